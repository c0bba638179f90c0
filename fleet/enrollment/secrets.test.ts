import { describe, expect, it } from 'vitest';
import { digestsEqual, hashEnrollmentCode, newEnrollmentCode, normalizeEnrollmentCode, sha256Hex } from './secrets.ts';

describe('enrollment secrets', () => {
  it('makes 4x4 Crockford codes that survive retyping in lower case with look-alike letters', () => {
    const code = newEnrollmentCode();
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(hashEnrollmentCode(code.toLowerCase().replace(/-/g, ' '))).toBe(hashEnrollmentCode(code));
    expect(normalizeEnrollmentCode('o0-il')).toBe('0011');
    expect(newEnrollmentCode()).not.toBe(code);
  });

  it('compares digests in constant time and refuses empty or different-length ones', () => {
    expect(digestsEqual(sha256Hex('a'), sha256Hex('a'))).toBe(true);
    expect(digestsEqual(sha256Hex('a'), sha256Hex('b'))).toBe(false);
    expect(digestsEqual('', '')).toBe(false);
    expect(digestsEqual('abcd', sha256Hex('a'))).toBe(false);
  });
});
