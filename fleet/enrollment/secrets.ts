import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Crockford base32: no I, L, O, U, so a code read aloud or typed from a label survives. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A 16-symbol (80-bit) enrollment code, shown as XXXX-XXXX-XXXX-XXXX. */
export function newEnrollmentCode(): string {
  const bytes = randomBytes(16);
  let out = '';
  for (let i = 0; i < 16; i++) {
    if (i > 0 && i % 4 === 0) out += '-';
    out += ALPHABET[(bytes[i] as number) & 31];
  }
  return out;
}

/** Canonical form of a typed code: case, dashes, spaces and look-alike letters do not matter. */
export function normalizeEnrollmentCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

export const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

export const hashEnrollmentCode = (code: string): string => sha256Hex(normalizeEnrollmentCode(code));

/** Constant-time comparison of two hex digests of equal length. */
export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export const newId = (prefix: string): string => `${prefix}${randomBytes(12).toString('hex')}`;
