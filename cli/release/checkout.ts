import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './build.ts';

/** This checkout's version (package.json): the default version of a release built from it. */
export function checkoutVersion(): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
