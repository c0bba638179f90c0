import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { qrPublicKeyFromRaw, signQrToken, verifyQrToken } from './qr-token.ts';
import { isTicketToken, signTicketToken, TICKET_MAX_VALIDITY_MS, verifyTicketToken, type TicketTokenErrorCode } from './ticket-token.ts';

// The RFC 8032 TEST 1 key, as in qr-token.test.ts: Ed25519 is deterministic, so the fixture text is fixed.
const privateKey = createPrivateKey({
  key: Buffer.from('302e020100300506032b6570042204209d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'),
  format: 'der',
  type: 'pkcs8',
});
const publicKey = (() => {
  const k = qrPublicKeyFromRaw(Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex').toString('base64url'));
  if (!k.ok) throw new Error('fixture key');
  return k.value;
})();
const keys = (id: string) => (id === 'tLyon01' ? publicKey : undefined);

const FROM = Date.UTC(2026, 5, 10, 8, 0);
const TO = Date.UTC(2026, 5, 10, 22, 0);
const CLAIMS = { kind: 'day' as const, zoneIds: ['club'], validFrom: FROM, validTo: TO, nonce: 'dGlja2V0MDAx' };
const FIXTURE =
  'RBT1.tLyon01.eyJrIjoiZGF5IiwieiI6WyJjbHViIl0sImYiOjE3ODEwNzg0MDAsImUiOjE3ODExMjg4MDAsIm4iOiJkR2xqYTJWME1EQXgifQ.BgXE_nu8SpC_LXLt2Z507wE4CYhEadcfJdnOB0GVzKf_c2BCxWHVCe6Cta-aFQ0bdmNXpB0tt5V20wF3nH7YCA';

describe('ticket token', () => {
  it('encodes the documented layout, deterministically', () => {
    const token = signTicketToken(CLAIMS, 'tLyon01', privateKey);
    const [prefix, keyId, payload] = token.split('.');
    expect(prefix).toBe('RBT1');
    expect(keyId).toBe('tLyon01');
    expect(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'))).toEqual({ k: 'day', z: ['club'], f: FROM / 1000, e: TO / 1000, n: 'dGlja2V0MDAx' });
    expect(token).toBe(FIXTURE);
    expect(token.length).toBeLessThan(260);
    expect(isTicketToken(token)).toBe(true);
  });

  it('round-trips within its validity, from included, to excluded', () => {
    expect(verifyTicketToken(FIXTURE, keys, FROM)).toEqual({ ok: true, value: { ...CLAIMS, keyId: 'tLyon01' } });
    expect(verifyTicketToken(FIXTURE, keys, TO - 1).ok).toBe(true);
  });

  const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error?.code);
  const cases: [string, string, number, TicketTokenErrorCode][] = [
    ['before its start', FIXTURE, FROM - 1000, 'QR_NOT_YET_VALID'],
    ['at its end', FIXTURE, TO, 'QR_EXPIRED'],
    ['unknown key', FIXTURE.replace('tLyon01', 'tLyon02'), FROM, 'QR_UNKNOWN_KEY'],
    ['tampered zone', FIXTURE.replace('.eyJr', '.eyJs'), FROM, 'QR_BAD_SIGNATURE'],
    ['a member token prefix', FIXTURE.replace('RBT1', 'RBX1'), FROM, 'QR_MALFORMED'],
  ];
  it.each(cases)('%s -> %s', (_name, token, now, expected) => {
    expect(code(verifyTicketToken(token, keys, now))).toBe(expected);
  });

  it('a member token is never a ticket, and a ticket never a member token', () => {
    const member = signQrToken({ memberId: 'm-1', expiresAt: TO, nonce: 'bm9uY2UwMDE' }, 'tLyon01', privateKey);
    expect(code(verifyTicketToken(member, keys, FROM))).toBe('QR_MALFORMED');
    expect(code(verifyQrToken(FIXTURE, keys, FROM))).toBe('QR_MALFORMED');
  });

  it('refuses to sign what no box would accept', () => {
    expect(() => signTicketToken({ ...CLAIMS, validTo: FROM + TICKET_MAX_VALIDITY_MS + 1000 }, 'tLyon01', privateKey)).toThrow();
    expect(() => signTicketToken({ ...CLAIMS, validTo: FROM }, 'tLyon01', privateKey)).toThrow();
    expect(() => signTicketToken({ ...CLAIMS, zoneIds: [] }, 'tLyon01', privateKey)).toThrow();
    expect(() => signTicketToken({ ...CLAIMS, nonce: 'short' }, 'tLyon01', privateKey)).toThrow();
  });

  it('treats a key of another algorithm as a bad signature', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    expect(code(verifyTicketToken(FIXTURE, () => ec, FROM))).toBe('QR_BAD_SIGNATURE');
  });

  it('never throws on arbitrary text (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `RBT1.tLyon01.${s}`)), fc.double(), (text, now) => {
        expect(typeof verifyTicketToken(text, keys, now).ok).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });
});
