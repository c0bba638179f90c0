import { readFileSync } from 'node:fs';

function versionIn(url: URL): string | null {
  try {
    const json = JSON.parse(readFileSync(url, 'utf8')) as { version?: unknown };
    return typeof json.version === 'string' ? json.version.slice(0, 64) : null;
  } catch {
    return null;
  }
}

/**
 * The agent's version, as reported in `state` and `health`: a compiled release's
 * manifest.json (next to agent.mjs), else the package's (running from the sources).
 */
export function agentVersion(): string {
  return versionIn(new URL('./manifest.json', import.meta.url)) ?? versionIn(new URL('../../package.json', import.meta.url)) ?? 'unknown';
}
