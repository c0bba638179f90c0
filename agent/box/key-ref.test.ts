import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lookupKey, storeKey } from './key-ref.ts';

const dir = mkdtempSync(join(tmpdir(), 'key-ref-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HEX = '000102030405060708090a0b0c0d0e0f';

describe('secure channel key refs', () => {
  it('reads a file: ref relative to the data directory, and an env: ref', () => {
    writeFileSync(join(dir, 'k.scbk'), `${HEX}\n`);
    expect(lookupKey('file:k.scbk', dir)).toEqual({ kind: 'key', key: Uint8Array.from(Buffer.from(HEX, 'hex')) });
    process.env.RESABOX_TEST_KEY = HEX.toUpperCase();
    expect(lookupKey('env:RESABOX_TEST_KEY', dir)).toMatchObject({ kind: 'key' });
    delete process.env.RESABOX_TEST_KEY;
  });

  it('says where a missing key was looked for, and refuses malformed keys and refs', () => {
    expect(lookupKey('file:nope.scbk', dir)).toEqual({ kind: 'missing', where: join(dir, 'nope.scbk') });
    expect(lookupKey('env:RESABOX_NO_SUCH_KEY', dir)).toEqual({ kind: 'missing', where: 'environment variable RESABOX_NO_SUCH_KEY' });
    writeFileSync(join(dir, 'short.scbk'), '0011');
    expect(() => lookupKey('file:short.scbk', dir)).toThrow(/32 hex digits/);
    expect(() => lookupKey('vault:x', dir)).toThrow(/neither file:/);
  });

  it('stores an installed key owner-only, where the file: ref points', () => {
    storeKey('file:keys/new.scbk', dir, Uint8Array.from(Buffer.from(HEX, 'hex')));
    expect(lookupKey('file:keys/new.scbk', dir)).toMatchObject({ kind: 'key' });
    expect(statSync(join(dir, 'keys/new.scbk')).mode & 0o777).toBe(0o600);
    expect(() => storeKey('env:X', dir, new Uint8Array(16))).toThrow(/cannot be written/);
  });
});
