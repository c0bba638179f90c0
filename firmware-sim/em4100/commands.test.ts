import { describe, expect, it } from 'vitest';
import { parseEm4100Command } from './commands.ts';

describe('EM4100 simulator commands', () => {
  const good: [string, unknown][] = [
    ['present 0100BC614E', { kind: 'present', card: { version: 1, tag: 12345678 } }],
    ['present 0012345678', { kind: 'present', card: { version: 0, tag: 12345678 } }],
    ['present 188:24910', { kind: 'present', card: { version: 0, tag: 12345678 } }],
    ['  remove ', { kind: 'remove' }],
    ['silent on', { kind: 'silent', on: true }],
    ['silent off', { kind: 'silent', on: false }],
    ['corrupt 3', { kind: 'corrupt', count: 3, how: 'checksum' }],
    ['corrupt 1 truncate', { kind: 'corrupt', count: 1, how: 'truncate' }],
    ['unplug', { kind: 'unplug' }],
  ];
  for (const [line, command] of good) it(`parses "${line}"`, () => expect(parseEm4100Command(line)).toEqual({ ok: true, value: command }));

  for (const line of ['present', 'present xyz', 'silent maybe', 'corrupt 0', 'corrupt 2 fire', 'dance']) {
    it(`refuses "${line}" with a message`, () => {
      const r = parseEm4100Command(line);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.length).toBeGreaterThan(0);
    });
  }
});
