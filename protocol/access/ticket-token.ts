import type { KeyObject } from 'node:crypto';
import { err, ok } from '../core/result.ts';
import type { CodedError, Result } from '../core/result.ts';
import { NONCE, openEnvelope, signEnvelope } from './signed-envelope.ts';

/**
 * Printed tickets (day pass, guest pass): a signed QR code that any box of the club reads
 * offline and admits once, within its validity and zones (pure: keys and time are inputs).
 *
 *   RBT1.<keyId>.<payload>.<signature>      (layout of signed-envelope.ts)
 *
 * - the key is the issuing box's own Ed25519 key: its private half never leaves that box;
 *   the fleet publishes the public half to the club's boxes as a `qrKeys` record with
 *   `use: "ticket"` (docs/access-rules.md, "Printed tickets");
 * - `payload` is JSON {"k": kind, "z": [zone ids], "f": valid from, "e": valid to (epoch
 *   seconds, `e` exclusive), "n": the ticket id (nonce, base64url, 8 to 64 characters)};
 * - a ticket is valid at most TICKET_MAX_VALIDITY_MS: a box remembers a used ticket id for
 *   48 h, which then covers the whole validity whatever the hour it was used.
 *
 * About 220 characters: a QR code of version 10 in byte mode at level M.
 */
export const TICKET_TOKEN_PREFIX = 'RBT1';
export const TICKET_KINDS = ['day', 'guest'] as const;
export type TicketKind = (typeof TICKET_KINDS)[number];
export const TICKET_MAX_VALIDITY_MS = 24 * 3600_000;
const MAX_ZONES = 10;
const ZONE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export interface TicketClaims {
  readonly kind: TicketKind;
  readonly zoneIds: readonly string[];
  /** Epoch ms, whole seconds on the wire; valid while validFrom <= now < validTo. */
  readonly validFrom: number;
  readonly validTo: number;
  /** The ticket id: what the box remembers once the ticket was used. */
  readonly nonce: string;
}

export type TicketTokenErrorCode = 'QR_MALFORMED' | 'QR_UNKNOWN_KEY' | 'QR_BAD_SIGNATURE' | 'QR_EXPIRED' | 'QR_NOT_YET_VALID';
export type TicketTokenError = CodedError<TicketTokenErrorCode>;

export function isTicketToken(text: string): boolean {
  return text.startsWith(`${TICKET_TOKEN_PREFIX}.`);
}

/** Throws on claims no box would accept: a programming error of the issuer. */
export function signTicketToken(claims: TicketClaims, keyId: string, privateKey: KeyObject): string {
  const body = toBody(claims);
  if (parseClaims(body) === undefined) throw new Error(`invalid ticket claims: ${JSON.stringify(claims)}`);
  return signEnvelope(TICKET_TOKEN_PREFIX, keyId, body, privateKey);
}

/** Verifies a ticket against the key lookup (ticket keys only); never throws. */
export function verifyTicketToken(text: string, keyFor: (keyId: string) => KeyObject | undefined, now: number): Result<TicketClaims & { readonly keyId: string }, TicketTokenError> {
  const opened = openEnvelope(TICKET_TOKEN_PREFIX, text, keyFor);
  if (!opened.ok) return opened;
  const claims = parseClaims(opened.value.body);
  if (claims === undefined) return fail('QR_MALFORMED', 'payload is not {k, z, f, e, n}');
  if (now < claims.validFrom) return fail('QR_NOT_YET_VALID', 'ticket not valid yet');
  if (now >= claims.validTo) return fail('QR_EXPIRED', 'ticket expired');
  return ok({ ...claims, keyId: opened.value.keyId });
}

function toBody(c: TicketClaims) {
  return { k: c.kind, z: c.zoneIds, f: Math.floor(c.validFrom / 1000), e: Math.floor(c.validTo / 1000), n: c.nonce };
}

function parseClaims(body: unknown): TicketClaims | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { k, z, f, e, n } = body as Record<string, unknown>;
  if (typeof k !== 'string' || !(TICKET_KINDS as readonly string[]).includes(k)) return undefined;
  if (!Array.isArray(z) || z.length === 0 || z.length > MAX_ZONES || !z.every((id) => typeof id === 'string' && ZONE_ID.test(id))) return undefined;
  if (!isSeconds(f) || !isSeconds(e) || e <= f || (e - f) * 1000 > TICKET_MAX_VALIDITY_MS) return undefined;
  if (typeof n !== 'string' || !NONCE.test(n)) return undefined;
  return { kind: k as TicketKind, zoneIds: z as string[], validFrom: f * 1000, validTo: e * 1000, nonce: n };
}

const isSeconds = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function fail<T>(code: TicketTokenErrorCode, message: string): Result<T, TicketTokenError> {
  return err({ code, message });
}
