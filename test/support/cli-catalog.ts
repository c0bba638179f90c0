import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;

/** The codes of docs/cli.md's error tables (`| \`CODE\` | exit | when |`) and their exit codes. */
export function documentedCodes(): Map<string, number> {
  const doc = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');
  const start = doc.indexOf('## Errors and exit codes');
  const section = doc.slice(start, doc.indexOf('\n## ', start + 5));
  const codes = new Map<string, number>();
  for (const m of section.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| (\d) \|/gm)) codes.set(m[1] as string, Number(m[2]));
  if (codes.size <= 10) throw new Error(`docs/cli.md: only ${codes.size} codes found in "Errors and exit codes"`);
  return codes;
}
