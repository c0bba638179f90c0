import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_ERRORS } from '../../fleet/api/errors.ts';
import { CLI_ERRORS } from './errors.ts';
import { EXIT } from './fleet-client.ts';

const CLI_DIR = new URL('..', import.meta.url).pathname;
const sources = (readdirSync(CLI_DIR, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => [f, readFileSync(join(CLI_DIR, f), 'utf8')] as const);

describe('the CLI error catalog', () => {
  it('holds every code the CLI source raises, with the exit code it raises it with', () => {
    const raised = new Set<string>();
    for (const [file, text] of sources) {
      for (const m of text.matchAll(/new CliFailure\(\s*'([A-Z][A-Z0-9_]+)'(?:(?!new CliFailure)[\s\S])*?EXIT\.(\w+)/g)) {
        const code = m[1] as keyof typeof CLI_ERRORS;
        const exit = m[2] as keyof typeof EXIT;
        raised.add(code);
        // A fleet code raised by the CLI itself (MEMBER_NOT_FOUND on a name search) means the same as the fleet's, exit 1.
        const expected = code in API_ERRORS ? EXIT.apiError : CLI_ERRORS[code]?.exit;
        expect(expected, `${file}: ${code} in a catalog`).toBeDefined();
        expect(EXIT[exit], `${file}: ${code}`).toBe(expected);
      }
      // Lines printed directly: `CODE: ...` at the start of an error line.
      for (const m of text.matchAll(/(?:io\.err|console\.error)\(`([A-Z][A-Z0-9_]+):/g)) {
        raised.add(m[1] as string);
        expect(CLI_ERRORS, `${file}: ${m[1]}`).toHaveProperty(m[1] as string);
      }
    }
    // The scan found the codes it should (it is not matching nothing).
    expect([...raised]).toEqual(expect.arrayContaining(['CLI_USAGE', 'CLI_FLEET_UNREACHABLE', 'CLI_BAD_RESPONSE', 'CLI_NO_ANSWER', 'RELEASE_HARDWARE_UNKNOWN', 'ROLLOUT_WATCH_TIMEOUT']));
  });
});
