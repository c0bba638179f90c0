import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { err, ok } from '../core/result.ts';
import type { CodedError, Result } from '../core/result.ts';
import { NONCE, openEnvelope, signEnvelope } from './signed-envelope.ts';

/**
 * Signed member QR tokens, checked offline by the box (pure: keys and time are inputs).
 *
 * Text format (all ASCII, fits a QR code in byte mode, ~170 characters):
 *
 *   RBX1.<keyId>.<payload>.<signature>
 *
 * - `RBX1` names the format and its version;
 * - `keyId` names the club key that signed it ([A-Za-z0-9_-], 1 to 32 characters), so keys
 *   can be rotated with both published for a while;
 * - `payload` is base64url (no padding) of the UTF-8 JSON {"m": memberId, "e": expiry in
 *   epoch seconds, "n": nonce (base64url, 8 to 64 characters)};
 * - `signature` is base64url of the 64-byte Ed25519 signature over the ASCII bytes
 *   `RBX1.<keyId>.<payload>` (prefix and key id are signed too).
 *
 * A token is good only if the key is known, the signature verifies, and now < expiry.
 * Replay (a nonce already used) is checked by the caller, who keeps the used nonces.
 */
export const QR_TOKEN_PREFIX = 'RBX1';

export interface QrClaims {
  readonly memberId: string;
  /** Epoch ms (whole seconds on the wire). */
  readonly expiresAt: number;
  readonly nonce: string;
}

export type QrTokenErrorCode = 'QR_MALFORMED' | 'QR_UNKNOWN_KEY' | 'QR_BAD_SIGNATURE' | 'QR_EXPIRED';
export type QrTokenError = CodedError<QrTokenErrorCode>;

export function isQrToken(text: string): boolean {
  return text.startsWith(`${QR_TOKEN_PREFIX}.`);
}

export function signQrToken(claims: QrClaims, keyId: string, privateKey: KeyObject): string {
  if (!NONCE.test(claims.nonce)) throw new Error('invalid QR nonce: 8 to 64 base64url characters');
  return signEnvelope(QR_TOKEN_PREFIX, keyId, { m: claims.memberId, e: Math.floor(claims.expiresAt / 1000), n: claims.nonce }, privateKey);
}

/** Verifies a token against the key lookup; never throws. */
export function verifyQrToken(
  text: string,
  keyFor: (keyId: string) => KeyObject | undefined,
  now: number,
): Result<QrClaims, QrTokenError> {
  const opened = openEnvelope(QR_TOKEN_PREFIX, text, keyFor);
  if (!opened.ok) return opened;
  const claims = parseClaims(opened.value.body);
  if (claims === undefined) return fail('QR_MALFORMED', 'payload is not {m, e, n}');
  if (now >= claims.expiresAt) return err({ code: 'QR_EXPIRED', message: 'token expired', detail: { expiresAt: claims.expiresAt } });
  return ok(claims);
}

/** Imports a club public key (raw 32-byte Ed25519 in base64url) as sent in the rights. */
export function qrPublicKeyFromRaw(raw: string): Result<KeyObject, QrTokenError> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(raw) || Buffer.from(raw, 'base64url').length !== 32) return fail('QR_MALFORMED', 'not a 32-byte base64url key');
  try {
    return ok(createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw }, format: 'jwk' }));
  } catch (_e) {
    return fail('QR_MALFORMED', 'not an Ed25519 public key');
  }
}

/** The raw base64url form of an Ed25519 public key (what the fleet publishes). */
export function rawPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 public key');
  return jwk.x;
}

function parseClaims(body: unknown): QrClaims | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { m, e, n } = body as Record<string, unknown>;
  if (typeof m !== 'string' || m.length === 0 || m.length > 128) return undefined;
  if (typeof e !== 'number' || !Number.isSafeInteger(e) || e < 0) return undefined;
  if (typeof n !== 'string' || !NONCE.test(n)) return undefined;
  return { memberId: m, expiresAt: e * 1000, nonce: n };
}

function fail<T>(code: QrTokenErrorCode, message: string): Result<T, QrTokenError> {
  return err({ code, message });
}
