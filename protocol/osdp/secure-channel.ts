import { createCipheriv, createDecipheriv, timingSafeEqual } from 'node:crypto';
import { err, ok, type Result } from '../core/index.ts';
import { osdpError, type OsdpError, type OsdpSecureErrorCode } from './errors.ts';

/**
 * OSDP secure channel mathematics (SIA OSDP v2.2 section 6 and Annex D/E), AES-128 only.
 * Pure functions over keys and bytes; secure-session.ts keeps the MAC chain.
 */

/** The default install key SCBK-D: bytes 0x30..0x3F. Only accepted by a PD in install mode. */
export const SCBK_D = Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i);

const BLOCK = 16;
const EOM_MARKER = 0x80;

export interface SessionKeys {
  readonly enc: Uint8Array;
  readonly mac1: Uint8Array;
  readonly mac2: Uint8Array;
}

export function aesEcb(key: Uint8Array, block: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-128-ecb', key, null);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(block), c.final()]));
}

function aesCbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array, decrypt: boolean): Uint8Array {
  const c = decrypt ? createDecipheriv('aes-128-cbc', key, iv) : createCipheriv('aes-128-cbc', key, iv);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

/** S-ENC, S-MAC1, S-MAC2 = AES(SCBK, prefix || first 6 bytes of the CP random || zeros). */
export function deriveSessionKeys(scbk: Uint8Array, cpRandom: Uint8Array): SessionKeys {
  const derive = (a: number, b: number): Uint8Array => {
    const block = new Uint8Array(BLOCK);
    block[0] = a;
    block[1] = b;
    block.set(cpRandom.subarray(0, 6), 2);
    return aesEcb(scbk, block);
  };
  return { enc: derive(0x01, 0x82), mac1: derive(0x01, 0x01), mac2: derive(0x01, 0x02) };
}

/** The PD's proof ("client cryptogram", sent in osdp_CCRYPT): AES(S-ENC, CP random || PD random). */
export function pdCryptogram(keys: SessionKeys, cpRandom: Uint8Array, pdRandom: Uint8Array): Uint8Array {
  return aesEcb(keys.enc, concat8(cpRandom, pdRandom));
}

/** The CP's proof ("server cryptogram", sent in osdp_SCRYPT): AES(S-ENC, PD random || CP random). */
export function cpCryptogram(keys: SessionKeys, cpRandom: Uint8Array, pdRandom: Uint8Array): Uint8Array {
  return aesEcb(keys.enc, concat8(pdRandom, cpRandom));
}

/** The initial reply MAC that starts the chain: AES(S-MAC2, AES(S-MAC1, CP cryptogram)). */
export function initialRmac(keys: SessionKeys, cpCrypt: Uint8Array): Uint8Array {
  return aesEcb(keys.mac2, aesEcb(keys.mac1, cpCrypt));
}

/** Constant-time comparison of a received proof against the expected one. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Packet MAC: AES-CBC over the message with S-MAC1 for every block but the last, S-MAC2
 * for the last, IV = the previous MAC of the other direction. As in libosdp, a message
 * that is already block-aligned is MACed without padding; otherwise 0x80 then zeros.
 */
export function computeMac(keys: SessionKeys, iv: Uint8Array, message: Uint8Array): Uint8Array {
  const aligned = message.length > 0 && message.length % BLOCK === 0;
  const padded = aligned ? message : pad(message);
  let chain = iv;
  if (padded.length > BLOCK) {
    const head = aesCbc(keys.mac1, iv, padded.subarray(0, padded.length - BLOCK), false);
    chain = head.subarray(head.length - BLOCK);
  }
  return aesCbc(keys.mac2, chain, padded.subarray(padded.length - BLOCK), false);
}

/** Encrypts data with S-ENC in CBC mode, IV = the bitwise complement of the other direction's last MAC; always padded. */
export function encryptData(keys: SessionKeys, lastMac: Uint8Array, plain: Uint8Array): Uint8Array {
  return aesCbc(keys.enc, complement(lastMac), pad(plain), false);
}

export function decryptData(keys: SessionKeys, lastMac: Uint8Array, cipher: Uint8Array): Result<Uint8Array, OsdpError<OsdpSecureErrorCode>> {
  if (cipher.length === 0 || cipher.length % BLOCK !== 0) return err(osdpError('OSDP_SC_BAD_PADDING', `encrypted data of ${cipher.length} bytes is not whole AES blocks`));
  const plain = aesCbc(keys.enc, complement(lastMac), cipher, true);
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (end < 0 || plain[end] !== EOM_MARKER || plain.length - end > BLOCK) return err(osdpError('OSDP_SC_BAD_PADDING', 'decrypted data has no end-of-message marker'));
  return ok(plain.slice(0, end));
}

/** ISO/IEC 9797-1 padding method 2: 0x80, then zeros to the next block boundary. */
function pad(data: Uint8Array): Uint8Array {
  const out = new Uint8Array((Math.floor(data.length / BLOCK) + 1) * BLOCK);
  out.set(data);
  out[data.length] = EOM_MARKER;
  return out;
}

function complement(mac: Uint8Array): Uint8Array {
  return Uint8Array.from(mac.subarray(0, BLOCK), (b) => ~b & 0xff);
}

function concat8(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(BLOCK);
  out.set(a.subarray(0, 8));
  out.set(b.subarray(0, 8), 8);
  return out;
}
