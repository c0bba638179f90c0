import { decodeWiegand } from '../../../protocol/access/wiegand.ts';
import { toHex } from '../../../protocol/core/index.ts';
import { KEYPAD_KEY, type OsdpReply } from '../../../protocol/osdp/index.ts';
import type { Credential } from '../reader.ts';
import type { OsdpReaderErrorCode } from './errors.ts';

export type CardResult = { readonly ok: true; readonly credential: Credential } | { readonly ok: false; readonly code: OsdpReaderErrorCode; readonly message: string };

const STAR = String.fromCharCode(KEYPAD_KEY.STAR);
const POUND = String.fromCharCode(KEYPAD_KEY.POUND);

/**
 * Turns an osdp_RAW into a badge credential. 26 and 34 bits are Wiegand (parity checked,
 * canonical number facility*65536+card); any other length is passed on as 'osdp-raw' with
 * the bits read as one unsigned decimal number.
 */
export function credentialFromRaw(raw: Extract<OsdpReply, { kind: 'raw' }>): CardResult {
  const rawText = `${raw.bitCount}:${toHex(raw.data)}`;
  if (raw.bitCount === 26 || raw.bitCount === 34) {
    const w = decodeWiegand(raw.data, raw.bitCount);
    if (!w.ok) return { ok: false, code: w.error.code, message: w.error.message };
    return { ok: true, credential: { kind: 'badge', number: w.value.badgeNumber, raw: rawText, format: w.value.format } };
  }
  if (raw.bitCount === 0) return { ok: false, code: 'OSDP_EMPTY_RAW', message: 'card read with no bits' };
  let n = 0n;
  for (let i = 0; i < raw.bitCount; i++) n = (n << 1n) | BigInt(((raw.data[i >> 3] ?? 0) >> (7 - (i & 7))) & 1);
  return { ok: true, credential: { kind: 'badge', number: n.toString(), raw: rawText, format: 'osdp-raw' } };
}

/**
 * Collects keypad digits into a PIN: '#' ends it and '*' clears it, and keys older than
 * `timeoutMs` are forgotten (a half-typed PIN must not prefix the next person's).
 * OSDP v2.2 sends '*' as 0x7F and '#' as 0x0D; the ASCII '*' and '#' that some readers
 * send instead are taken too, since no digit can be mistaken for either.
 */
export class PinCollector {
  private digits = '';
  private lastAt = 0;

  constructor(private readonly timeoutMs: number) {}

  /** Adds keys; returns each PIN completed by them. */
  add(keys: string, now: number): string[] {
    if (now - this.lastAt > this.timeoutMs) this.digits = '';
    this.lastAt = now;
    const pins: string[] = [];
    for (const k of keys) {
      if (k === POUND || k === '#') {
        if (this.digits) pins.push(this.digits);
        this.digits = '';
      } else if (k === STAR || k === '*') this.digits = '';
      else if (k >= '0' && k <= '9' && this.digits.length < 16) this.digits += k;
    }
    return pins;
  }
}
