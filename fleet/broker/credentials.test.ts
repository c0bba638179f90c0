import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { VerifiedSecretCache, generateBoxSecret, hashSecret, mosquittoHash, verifySecret } from './credentials.ts';

describe('box secrets', () => {
  it('verifies the right secret and refuses a wrong one or a malformed hash', async () => {
    const secret = generateBoxSecret();
    const stored = hashSecret(secret);
    expect(stored).toMatch(/^scrypt\$64\$8\$1\$/);
    expect(await verifySecret(secret, stored)).toBe(true);
    // A hash stored before the default was lowered (N = 2^10) still verifies: the parameters travel in it.
    expect(await verifySecret(secret, hashSecret(secret, { N: 1024, r: 8, p: 1 }))).toBe(true);
    expect(await verifySecret(`${secret}x`, stored)).toBe(false);
    expect(await verifySecret(secret, 'scrypt$x$8$1$AAAA$BBBB')).toBe(false);
    expect(await verifySecret(secret, 'plain')).toBe(false);
  });

  it('the cache answers for a secret verified before and still refuses a wrong one', async () => {
    const cache = new VerifiedSecretCache();
    const secret = generateBoxSecret();
    const stored = hashSecret(secret);
    expect(await cache.verify(secret, stored)).toBe(true);
    expect(await cache.verify(secret, stored)).toBe(true);
    expect(await cache.verify('wrong', stored)).toBe(false);
    expect(await cache.verify(secret, hashSecret('other'))).toBe(false);
  });

  it('writes the $7$ PBKDF2-SHA512 hash that mosquitto_passwd writes', () => {
    const [, , it, salt, hash] = mosquittoHash('s3cret').split('$');
    expect(pbkdf2Sync('s3cret', Buffer.from(salt as string, 'base64'), Number(it), 64, 'sha512').toString('base64')).toBe(hash);
    // And the same scheme read back from a file the real tool wrote.
    const dir = mkdtempSync(join(tmpdir(), 'resabox-pw-'));
    try {
      const file = join(dir, 'pw');
      writeFileSync(file, '');
      execFileSync('mosquitto_passwd', ['-b', file, 'box-1', 's3cret']);
      const [, , it2, salt2, hash2] = (readFileSync(file, 'utf8').trim().split(':')[1] as string).split('$');
      expect(it2).toBe(it);
      expect(pbkdf2Sync('s3cret', Buffer.from(salt2 as string, 'base64'), Number(it2), 64, 'sha512').toString('base64')).toBe(hash2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
