import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../core/bytes.ts';
import { isQrToken, qrPublicKeyFromRaw, rawPublicKey, signQrToken, verifyQrToken } from './qr-token.ts';
import type { QrTokenErrorCode } from './qr-token.ts';

// RFC 8032 section 7.1, TEST 1 (Ed25519): secret key, public key, signature of the empty message.
const RFC_SECRET = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const RFC_PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const RFC_SIG_EMPTY =
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

const privateKey = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(RFC_SECRET, 'hex')]),
  format: 'der',
  type: 'pkcs8',
});
const publicRaw = Buffer.from(RFC_PUBLIC, 'hex').toString('base64url');
const publicKey = (() => {
  const k = qrPublicKeyFromRaw(publicRaw);
  if (!k.ok) throw new Error('fixture key');
  return k.value;
})();
const keys = (id: string) => (id === 'club1' ? publicKey : undefined);

const EXPIRES = Date.UTC(2026, 5, 10, 8, 1);
const CLAIMS = { memberId: 'm-42', expiresAt: EXPIRES, nonce: 'Zm9vYmFyMDE' };
/** Ed25519 is deterministic: this exact text is what the RFC 8032 key signs for CLAIMS (a format change breaks it). */
const FIXTURE_TOKEN =
  'RBX1.club1.eyJtIjoibS00MiIsImUiOjE3ODEwNzg0NjAsIm4iOiJabTl2WW1GeU1ERSJ9.EvUO1TadqNwUQKl2ci0LtA01o34aj7R8P3AIvZ0jxFrAsRgTMQMrQzp8zsdL5Ng5LlnI8RNzxOVsbsbuNxW4Cw';

describe('QR token: published Ed25519 vector', () => {
  it('derives the RFC 8032 public key and signature with node:crypto', () => {
    expect(toHex(Buffer.from(rawPublicKey(createPublicKey(privateKey)), 'base64url'))).toBe(RFC_PUBLIC);
    expect(toHex(sign(null, new Uint8Array(0), privateKey))).toBe(RFC_SIG_EMPTY);
  });
});

describe('QR token format', () => {
  it('encodes the documented layout', () => {
    const [prefix, keyId, payload, sig] = FIXTURE_TOKEN.split('.');
    expect(prefix).toBe('RBX1');
    expect(keyId).toBe('club1');
    expect(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'))).toEqual({ m: 'm-42', e: EXPIRES / 1000, n: 'Zm9vYmFyMDE' });
    expect(Buffer.from(sig ?? '', 'base64url')).toHaveLength(64);
    expect(FIXTURE_TOKEN).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(FIXTURE_TOKEN.length).toBeLessThan(200);
    expect(isQrToken(FIXTURE_TOKEN)).toBe(true);
    expect(isQrToken('DAYPASS-1')).toBe(false);
  });

  it('encodes the fixture (deterministic for a given key and claims)', () => {
    expect(signQrToken(CLAIMS, 'club1', privateKey)).toBe(FIXTURE_TOKEN);
  });

  it('round-trips the claims', () => {
    expect(verifyQrToken(FIXTURE_TOKEN, keys, EXPIRES - 1)).toEqual({ ok: true, value: CLAIMS });
  });

  it('refuses to sign with a bad key id or nonce', () => {
    expect(() => signQrToken(CLAIMS, 'bad id', privateKey)).toThrow();
    expect(() => signQrToken({ ...CLAIMS, nonce: 'short' }, 'club1', privateKey)).toThrow();
  });
});

describe('QR token errors', () => {
  const [prefix, keyId, payload, sig] = FIXTURE_TOKEN.split('.') as [string, string, string, string];
  const otherPayload = Buffer.from(JSON.stringify({ m: 'm-43', e: EXPIRES / 1000, n: 'Zm9vYmFyMDE' })).toString('base64url');
  const unsigned = (body: object) => `${prefix}.${keyId}.${Buffer.from(JSON.stringify(body)).toString('base64url')}`;
  const selfSigned = (body: object) => `${unsigned(body)}.${sign(null, Buffer.from(unsigned(body), 'ascii'), privateKey).toString('base64url')}`;
  const cases: [string, string, QrTokenErrorCode][] = [
    ['expired at its expiry instant', FIXTURE_TOKEN, 'QR_EXPIRED'],
    ['three parts', `${prefix}.${keyId}.${payload}`, 'QR_MALFORMED'],
    ['other prefix', `RBX2.${keyId}.${payload}.${sig}`, 'QR_MALFORMED'],
    ['key id with a space', `${prefix}.a b.${payload}.${sig}`, 'QR_MALFORMED'],
    ['payload not base64url', `${prefix}.${keyId}.pay+load.${sig}`, 'QR_MALFORMED'],
    ['unknown key id', `${prefix}.club2.${payload}.${sig}`, 'QR_UNKNOWN_KEY'],
    ['payload swapped', `${prefix}.${keyId}.${otherPayload}.${sig}`, 'QR_BAD_SIGNATURE'],
    ['signature truncated', `${prefix}.${keyId}.${payload}.${sig.slice(0, 40)}`, 'QR_BAD_SIGNATURE'],
    ['signature flipped', `${prefix}.${keyId}.${payload}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`, 'QR_BAD_SIGNATURE'],
    ['signed but not JSON', `${prefix}.${keyId}.bm90anNvbg.${sign(null, Buffer.from(`${prefix}.${keyId}.bm90anNvbg`), privateKey).toString('base64url')}`, 'QR_MALFORMED'],
    ['signed but no nonce', selfSigned({ m: 'm-42', e: EXPIRES / 1000 }), 'QR_MALFORMED'],
    ['signed but fractional expiry', selfSigned({ m: 'm-42', e: 1.5, n: 'Zm9vYmFyMDE' }), 'QR_MALFORMED'],
    ['too long', `${prefix}.${keyId}.${'A'.repeat(2000)}.${sig}`, 'QR_MALFORMED'],
  ];
  it.each(cases)('%s -> %s', (_name, token, code) => {
    const now = code === 'QR_EXPIRED' ? EXPIRES : EXPIRES - 1000;
    const result = verifyQrToken(token, keys, now);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it('treats a key of another algorithm as a bad signature, not a crash', () => {
    const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const result = verifyQrToken(FIXTURE_TOKEN, () => ecKey, EXPIRES - 1);
    expect(result.ok ? 'ok' : result.error.code).toBe('QR_BAD_SIGNATURE');
  });

  it('refuses malformed public keys', () => {
    expect(qrPublicKeyFromRaw('short').ok).toBe(false);
    expect(qrPublicKeyFromRaw('not base64!').ok).toBe(false);
    expect(qrPublicKeyFromRaw(publicRaw).ok).toBe(true);
  });

  it('never throws on arbitrary text (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `RBX1.club1.${s}`), fc.array(fc.string(), { maxLength: 5 }).map((p) => p.join('.'))), fc.double(), (text, now) => {
        const result = verifyQrToken(text, keys, now);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
