import { sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { err, ok } from '../core/result.ts';
import type { CodedError, Result } from '../core/result.ts';

/**
 * The signed text shared by every QR code the boxes read (pure: keys are inputs):
 *
 *   <PREFIX>.<keyId>.<payload>.<signature>
 *
 * `payload` is base64url (no padding) of UTF-8 JSON; `signature` is base64url of the 64-byte
 * Ed25519 signature over the ASCII bytes `<PREFIX>.<keyId>.<payload>` (the prefix and the key
 * id are signed too, so a token of one kind can never be read as another).
 */
export type EnvelopeErrorCode = 'QR_MALFORMED' | 'QR_UNKNOWN_KEY' | 'QR_BAD_SIGNATURE';
export type EnvelopeError = CodedError<EnvelopeErrorCode>;

export const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
export const NONCE = /^[A-Za-z0-9_-]{8,64}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 1024;

export function signEnvelope(prefix: string, keyId: string, body: unknown, privateKey: KeyObject): string {
  if (!KEY_ID.test(keyId)) throw new Error(`invalid key id: ${keyId}`);
  const signed = `${prefix}.${keyId}.${Buffer.from(JSON.stringify(body), 'utf8').toString('base64url')}`;
  return `${signed}.${sign(null, Buffer.from(signed, 'ascii'), privateKey).toString('base64url')}`;
}

/**
 * Checks the layout, finds the key, verifies the signature and parses the payload JSON; the
 * body is only returned once the signature holds. Never throws.
 */
export function openEnvelope(prefix: string, text: string, keyFor: (keyId: string) => KeyObject | undefined): Result<{ keyId: string; body: unknown }, EnvelopeError> {
  if (text.length > MAX_TOKEN_LENGTH) return fail('QR_MALFORMED', 'token too long');
  const parts = text.split('.');
  if (parts.length !== 4) return fail('QR_MALFORMED', 'expected 4 dot-separated parts');
  const [head, keyId, payload, signature] = parts as [string, string, string, string];
  if (head !== prefix) return fail('QR_MALFORMED', `unknown prefix ${head}`);
  if (!KEY_ID.test(keyId)) return fail('QR_MALFORMED', 'bad key id');
  if (!B64URL.test(payload) || !B64URL.test(signature)) return fail('QR_MALFORMED', 'not base64url');
  const key = keyFor(keyId);
  if (key === undefined) return fail('QR_UNKNOWN_KEY', `no QR key ${keyId}`);
  const sig = Buffer.from(signature, 'base64url');
  if (sig.length !== 64) return fail('QR_BAD_SIGNATURE', 'signature is not 64 bytes');
  if (!verifySafely(`${head}.${keyId}.${payload}`, key, sig)) return fail('QR_BAD_SIGNATURE', 'signature does not verify');
  try {
    return ok({ keyId, body: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown });
  } catch (_e) {
    return fail('QR_MALFORMED', 'payload is not JSON');
  }
}

/** The key id a signed text names, if it is shaped like one (for explanations: nothing is verified). */
export function envelopeKeyIdOf(text: string): string | null {
  if (text.length > MAX_TOKEN_LENGTH) return null;
  const parts = text.split('.');
  return parts.length === 4 && KEY_ID.test(parts[1] as string) ? (parts[1] as string) : null;
}

function verifySafely(signed: string, key: KeyObject, sig: Buffer): boolean {
  try {
    return verify(null, Buffer.from(signed, 'ascii'), key, sig);
  } catch (_e) {
    return false; // a key of another type: treated as a signature that does not verify
  }
}

function fail<T>(code: EnvelopeErrorCode, message: string): Result<T, EnvelopeError> {
  return err({ code, message });
}
