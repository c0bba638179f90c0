import {
  cpCryptogram, deriveSessionKeys, initialRmac, pdCryptogram, sameBytes, SCBK_D, SecureSession,
  type OsdpReply, type SessionKeys,
} from '../../../protocol/osdp/index.ts';
import type { OsdpReaderErrorCode } from './errors.ts';

/**
 * The CP side of the secure channel set-up (CHLNG -> CCRYPT -> SCRYPT -> RMAC_I), as pure
 * functions over one handshake: which key is tried, and what the reader's answers prove.
 */
export interface Handshake {
  readonly keys: SessionKeys;
  readonly cpRandom: Uint8Array;
  /** The challenge asked for SCBK-D (key byte 0): the reader is expected in install mode. */
  readonly installing: boolean;
  readonly pdRandom?: Uint8Array;
}

export type SetupCheck<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: OsdpReaderErrorCode; readonly message: string };

type Ccrypt = Extract<OsdpReply, { kind: 'ccrypt' }>;

/** A challenge with the reader's own key, or with SCBK-D when it has none yet (install mode). */
export function startHandshake(scbk: Uint8Array | undefined, cpRandom: Uint8Array): Handshake {
  return { keys: deriveSessionKeys(scbk ?? SCBK_D, cpRandom), cpRandom, installing: scbk === undefined };
}

/** The key byte a challenge carries in its security block (SCS_11) and SCRYPT repeats (SCS_13). */
export function keySelector(h: Handshake | undefined): number {
  return h?.installing ? 0 : 1;
}

const mismatch = (message: string): SetupCheck<never> => ({ ok: false, code: 'OSDP_SC_KEY_MISMATCH', message });

/**
 * Checks the reader's CCRYPT. Its security block data byte says which key the reader used
 * (OSDP v2.2: 0x00 SCBK-D, 0x01 its SCBK): a reader that is not in install mode answers a
 * request for SCBK-D with its own key and says so, without a NAK. The cryptogram is checked
 * against the key the reader names; when it used its own key while SCBK-D was asked, that
 * key may be the install key (the box restarted between KEYSET and storing the key), and
 * `adopted` says the handshake goes on with it.
 */
export function checkCcrypt(h: Handshake, reply: Ccrypt, keyByte: number | undefined, installKey: Uint8Array | undefined): SetupCheck<{ handshake: Handshake; adopted: boolean }> {
  const usedDefault = keyByte === undefined ? h.installing : keyByte === 0;
  const proves = (keys: SessionKeys): boolean => sameBytes(reply.pdCryptogram, pdCryptogram(keys, h.cpRandom, reply.pdRandom));
  if (usedDefault === h.installing) {
    if (proves(h.keys)) return { ok: true, value: { handshake: { ...h, pdRandom: reply.pdRandom }, adopted: false } };
    return mismatch(usedDefault ? 'the reader says it used the default key SCBK-D, but its cryptogram does not match that key' : 'the reader answered with its own key (SCBK), which is not the configured key');
  }
  if (usedDefault) return mismatch('the reader is in install mode (it answered with the default key SCBK-D): it does not hold the configured key');
  if (!installKey) return mismatch('the reader is not in install mode: it answered with its own key (SCBK), and no install key is configured');
  const keys = deriveSessionKeys(installKey, h.cpRandom);
  if (!proves(keys)) return mismatch('the reader is not in install mode: it answered with its own key (SCBK), which is not the install key');
  return { ok: true, value: { handshake: { keys, cpRandom: h.cpRandom, installing: false, pdRandom: reply.pdRandom }, adopted: true } };
}

/** The CP's cryptogram for SCRYPT (zeros if the handshake has no PD random: never sent then). */
export function scryptCryptogram(h: Handshake | undefined): Uint8Array {
  return h?.pdRandom ? cpCryptogram(h.keys, h.cpRandom, h.pdRandom) : new Uint8Array(16);
}

/** Checks RMAC_I and opens the session with it. */
export function checkRmacI(h: Handshake, rmacI: Uint8Array): SetupCheck<SecureSession> {
  if (!h.pdRandom) return { ok: false, code: 'OSDP_UNEXPECTED_REPLY', message: 'RMAC_I before CCRYPT' };
  const expected = initialRmac(h.keys, cpCryptogram(h.keys, h.cpRandom, h.pdRandom));
  if (!sameBytes(expected, rmacI)) return { ok: false, code: 'OSDP_SC_BAD_CRYPTOGRAM', message: 'the initial R-MAC does not match the session keys' };
  return { ok: true, value: new SecureSession(h.keys, expected, 'cp') };
}
