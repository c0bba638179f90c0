import { err, ok, type Result } from '../core/index.ts';
import { osdpError, type OsdpError, type OsdpDataErrorCode } from './errors.ts';

/** Command codes (CP -> PD). */
export const CMD = {
  POLL: 0x60, ID: 0x61, CAP: 0x62, LSTAT: 0x64, ISTAT: 0x65, OSTAT: 0x66, OUT: 0x68,
  LED: 0x69, BUZ: 0x6a, TEXT: 0x6b, COMSET: 0x6e, KEYSET: 0x75, CHLNG: 0x76, SCRYPT: 0x77,
} as const;

/** Reply codes (PD -> CP). */
export const REPLY = {
  ACK: 0x40, NAK: 0x41, PDID: 0x45, PDCAP: 0x46, LSTATR: 0x48, ISTATR: 0x49, OSTATR: 0x4a,
  RAW: 0x50, KEYPAD: 0x53, COM: 0x54, CCRYPT: 0x76, RMAC_I: 0x78, BUSY: 0x79,
} as const;

/** NAK reason codes (first data byte of osdp_NAK). */
export const NAK = {
  BAD_CHECK: 1, BAD_LENGTH: 2, UNKNOWN_COMMAND: 3, BAD_SEQUENCE: 4, SC_UNSUPPORTED: 5, SC_CONDITIONS: 6,
} as const;

/** How osdp_KEYPAD encodes the two non-digit keys (OSDP v2.2, osdp_KEYPAD): '*' as DEL, '#' as CR. */
export const KEYPAD_KEY = { STAR: 0x7f, POUND: 0x0d } as const;

/** LED colours of osdp_LED. */
export const LED_COLOUR = { BLACK: 0, RED: 1, GREEN: 2, AMBER: 3, BLUE: 4 } as const;

export interface LedTimedSetting {
  /** 0 = no change (keep the running temporary state), 1 = cancel, 2 = set. */
  readonly control: number;
  /** On and off times in units of 100 ms. */
  readonly onTime: number;
  readonly offTime: number;
  readonly onColour: number;
  readonly offColour: number;
}

export interface LedRecord {
  readonly reader: number;
  readonly led: number;
  /** `timer` is the temporary state's duration in units of 100 ms. */
  readonly temporary: LedTimedSetting & { readonly timer: number };
  /** control: 0 = no change, 1 = set. */
  readonly permanent: LedTimedSetting;
}

export type OsdpCommand =
  | { readonly kind: 'poll' }
  | { readonly kind: 'id' }
  | { readonly kind: 'cap' }
  | { readonly kind: 'lstat' }
  | { readonly kind: 'istat' }
  | { readonly kind: 'ostat' }
  /** control 0 nop, 1 off, 2 on (permanent), 3/4 permanent after timer, 5/6 temporary; timer in 100 ms units. */
  | { readonly kind: 'out'; readonly outputs: readonly { output: number; control: number; timer: number }[] }
  | { readonly kind: 'led'; readonly records: readonly LedRecord[] }
  /** tone 1 off, 2 default tone; times in 100 ms units; count 0 = until stopped. */
  | { readonly kind: 'buz'; readonly reader: number; readonly tone: number; readonly onTime: number; readonly offTime: number; readonly count: number }
  /** command 1 permanent no wrap, 2 permanent wrap, 3 temporary no wrap, 4 temporary wrap; time in seconds. */
  | { readonly kind: 'text'; readonly reader: number; readonly command: number; readonly tempTime: number; readonly row: number; readonly column: number; readonly text: string }
  | { readonly kind: 'comset'; readonly address: number; readonly baudRate: number }
  /** keyType 1 = SCBK. */
  | { readonly kind: 'keyset'; readonly keyType: number; readonly key: Uint8Array }
  | { readonly kind: 'chlng'; readonly cpRandom: Uint8Array }
  | { readonly kind: 'scrypt'; readonly cpCryptogram: Uint8Array };

export interface Capability {
  readonly fn: number;
  readonly compliance: number;
  readonly count: number;
}

export type OsdpReply =
  | { readonly kind: 'ack' }
  | { readonly kind: 'nak'; readonly reason: number; readonly detail: Uint8Array }
  /** `vendorCode` is the IEEE OUI, sent least significant byte first (0x00C0FFEE is on the wire as EE FF C0). */
  | { readonly kind: 'pdid'; readonly vendorCode: number; readonly model: number; readonly version: number; readonly serial: number; readonly firmware: string }
  | { readonly kind: 'pdcap'; readonly capabilities: readonly Capability[] }
  | { readonly kind: 'lstatr'; readonly tamper: boolean; readonly power: boolean }
  | { readonly kind: 'istatr'; readonly inputs: readonly boolean[] }
  | { readonly kind: 'ostatr'; readonly outputs: readonly boolean[] }
  /** format 0 = raw bits, 1 = Wiegand. `data` holds `bitCount` bits, most significant first. */
  | { readonly kind: 'raw'; readonly reader: number; readonly format: number; readonly bitCount: number; readonly data: Uint8Array }
  | { readonly kind: 'keypad'; readonly reader: number; readonly keys: string }
  | { readonly kind: 'com'; readonly address: number; readonly baudRate: number }
  | { readonly kind: 'ccrypt'; readonly clientUid: Uint8Array; readonly pdRandom: Uint8Array; readonly pdCryptogram: Uint8Array }
  | { readonly kind: 'rmac_i'; readonly rmacI: Uint8Array }
  | { readonly kind: 'busy' };

type DataResult<T> = Result<T, OsdpError<OsdpDataErrorCode>>;

function lengthError(name: string, got: number, want: string): DataResult<never> {
  return err(osdpError('OSDP_DATA_LENGTH', `${name}: ${got} data byte(s), expected ${want}`));
}

const u16 = (b: Uint8Array, i: number): number => (b[i] as number) | ((b[i + 1] as number) << 8);
const u32 = (b: Uint8Array, i: number): number => (u16(b, i) | (u16(b, i + 2) << 16)) >>> 0;
const le16 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff];
const le32 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
const ascii = (b: Uint8Array): string => String.fromCharCode(...b);
const fromAscii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0) & 0xff);

export function encodeCommand(c: OsdpCommand): { code: number; data: Uint8Array } {
  switch (c.kind) {
    case 'poll': return { code: CMD.POLL, data: new Uint8Array(0) };
    case 'id': return { code: CMD.ID, data: Uint8Array.of(0) };
    case 'cap': return { code: CMD.CAP, data: Uint8Array.of(0) };
    case 'lstat': return { code: CMD.LSTAT, data: new Uint8Array(0) };
    case 'istat': return { code: CMD.ISTAT, data: new Uint8Array(0) };
    case 'ostat': return { code: CMD.OSTAT, data: new Uint8Array(0) };
    case 'out': return { code: CMD.OUT, data: Uint8Array.from(c.outputs.flatMap((o) => [o.output, o.control, ...le16(o.timer)])) };
    case 'led':
      return {
        code: CMD.LED,
        data: Uint8Array.from(
          c.records.flatMap((r) => [
            r.reader, r.led,
            r.temporary.control, r.temporary.onTime, r.temporary.offTime, r.temporary.onColour, r.temporary.offColour, ...le16(r.temporary.timer),
            r.permanent.control, r.permanent.onTime, r.permanent.offTime, r.permanent.onColour, r.permanent.offColour,
          ]),
        ),
      };
    case 'buz': return { code: CMD.BUZ, data: Uint8Array.of(c.reader, c.tone, c.onTime, c.offTime, c.count) };
    case 'text': {
      const text = fromAscii(c.text);
      return { code: CMD.TEXT, data: Uint8Array.from([c.reader, c.command, c.tempTime, c.row, c.column, text.length, ...text]) };
    }
    case 'comset': return { code: CMD.COMSET, data: Uint8Array.from([c.address, ...le32(c.baudRate)]) };
    case 'keyset': return { code: CMD.KEYSET, data: Uint8Array.from([c.keyType, c.key.length, ...c.key]) };
    case 'chlng': return { code: CMD.CHLNG, data: Uint8Array.from(c.cpRandom) };
    case 'scrypt': return { code: CMD.SCRYPT, data: Uint8Array.from(c.cpCryptogram) };
  }
}

export function decodeCommand(code: number, d: Uint8Array): DataResult<OsdpCommand> {
  const exact = (name: string, n: number, value: () => OsdpCommand): DataResult<OsdpCommand> => (d.length === n ? ok(value()) : lengthError(name, d.length, String(n)));
  switch (code) {
    case CMD.POLL: return exact('POLL', 0, () => ({ kind: 'poll' }));
    case CMD.ID: return exact('ID', 1, () => ({ kind: 'id' }));
    case CMD.CAP: return exact('CAP', 1, () => ({ kind: 'cap' }));
    case CMD.LSTAT: return exact('LSTAT', 0, () => ({ kind: 'lstat' }));
    case CMD.ISTAT: return exact('ISTAT', 0, () => ({ kind: 'istat' }));
    case CMD.OSTAT: return exact('OSTAT', 0, () => ({ kind: 'ostat' }));
    case CMD.OUT:
      if (d.length === 0 || d.length % 4 !== 0) return lengthError('OUT', d.length, 'a multiple of 4');
      return ok({ kind: 'out', outputs: chunks(d, 4).map((o) => ({ output: o[0] as number, control: o[1] as number, timer: u16(o, 2) })) });
    case CMD.LED:
      if (d.length === 0 || d.length % 14 !== 0) return lengthError('LED', d.length, 'a multiple of 14');
      return ok({
        kind: 'led',
        records: chunks(d, 14).map((r) => ({
          reader: r[0] as number,
          led: r[1] as number,
          temporary: { control: r[2] as number, onTime: r[3] as number, offTime: r[4] as number, onColour: r[5] as number, offColour: r[6] as number, timer: u16(r, 7) },
          permanent: { control: r[9] as number, onTime: r[10] as number, offTime: r[11] as number, onColour: r[12] as number, offColour: r[13] as number },
        })),
      });
    case CMD.BUZ: return exact('BUZ', 5, () => ({ kind: 'buz', reader: d[0] as number, tone: d[1] as number, onTime: d[2] as number, offTime: d[3] as number, count: d[4] as number }));
    case CMD.TEXT: {
      if (d.length < 6 || d.length !== 6 + (d[5] as number)) return lengthError('TEXT', d.length, `6 + text length`);
      return ok({ kind: 'text', reader: d[0] as number, command: d[1] as number, tempTime: d[2] as number, row: d[3] as number, column: d[4] as number, text: ascii(d.subarray(6)) });
    }
    case CMD.COMSET: return exact('COMSET', 5, () => ({ kind: 'comset', address: d[0] as number, baudRate: u32(d, 1) }));
    case CMD.KEYSET:
      if (d.length < 2 || d.length !== 2 + (d[1] as number)) return lengthError('KEYSET', d.length, '2 + key length');
      if (d[1] !== 16) return err(osdpError('OSDP_BAD_VALUE', `KEYSET: key of ${d[1]} bytes, expected 16`));
      return ok({ kind: 'keyset', keyType: d[0] as number, key: d.slice(2) });
    case CMD.CHLNG: return exact('CHLNG', 8, () => ({ kind: 'chlng', cpRandom: d.slice() }));
    case CMD.SCRYPT: return exact('SCRYPT', 16, () => ({ kind: 'scrypt', cpCryptogram: d.slice() }));
    default: return err(osdpError('OSDP_UNKNOWN_CODE', `unknown command code 0x${code.toString(16)}`));
  }
}

export function encodeReply(r: OsdpReply): { code: number; data: Uint8Array } {
  switch (r.kind) {
    case 'ack': return { code: REPLY.ACK, data: new Uint8Array(0) };
    case 'nak': return { code: REPLY.NAK, data: Uint8Array.from([r.reason, ...r.detail]) };
    case 'pdid': {
      const fw = r.firmware.split('.').map((n) => Number(n) & 0xff);
      return { code: REPLY.PDID, data: Uint8Array.from([...le32(r.vendorCode).slice(0, 3), r.model, r.version, ...le32(r.serial), fw[0] ?? 0, fw[1] ?? 0, fw[2] ?? 0]) };
    }
    case 'pdcap': return { code: REPLY.PDCAP, data: Uint8Array.from(r.capabilities.flatMap((c) => [c.fn, c.compliance, c.count])) };
    case 'lstatr': return { code: REPLY.LSTATR, data: Uint8Array.of(r.tamper ? 1 : 0, r.power ? 1 : 0) };
    case 'istatr': return { code: REPLY.ISTATR, data: Uint8Array.from(r.inputs.map((i) => (i ? 1 : 0))) };
    case 'ostatr': return { code: REPLY.OSTATR, data: Uint8Array.from(r.outputs.map((o) => (o ? 1 : 0))) };
    case 'raw': return { code: REPLY.RAW, data: Uint8Array.from([r.reader, r.format, ...le16(r.bitCount), ...r.data]) };
    case 'keypad': return { code: REPLY.KEYPAD, data: Uint8Array.from([r.reader, r.keys.length, ...fromAscii(r.keys)]) };
    case 'com': return { code: REPLY.COM, data: Uint8Array.from([r.address, ...le32(r.baudRate)]) };
    case 'ccrypt': return { code: REPLY.CCRYPT, data: Uint8Array.from([...r.clientUid, ...r.pdRandom, ...r.pdCryptogram]) };
    case 'rmac_i': return { code: REPLY.RMAC_I, data: Uint8Array.from(r.rmacI) };
    case 'busy': return { code: REPLY.BUSY, data: new Uint8Array(0) };
  }
}

export function decodeReply(code: number, d: Uint8Array): DataResult<OsdpReply> {
  const exact = (name: string, n: number, value: () => OsdpReply): DataResult<OsdpReply> => (d.length === n ? ok(value()) : lengthError(name, d.length, String(n)));
  switch (code) {
    case REPLY.ACK: return exact('ACK', 0, () => ({ kind: 'ack' }));
    case REPLY.NAK: return d.length >= 1 ? ok({ kind: 'nak', reason: d[0] as number, detail: d.slice(1) }) : lengthError('NAK', 0, 'at least 1');
    case REPLY.PDID:
      return exact('PDID', 12, () => ({ kind: 'pdid', vendorCode: u16(d, 0) | ((d[2] as number) << 16), model: d[3] as number, version: d[4] as number, serial: u32(d, 5), firmware: `${d[9]}.${d[10]}.${d[11]}` }));
    case REPLY.PDCAP:
      if (d.length % 3 !== 0) return lengthError('PDCAP', d.length, 'a multiple of 3');
      return ok({ kind: 'pdcap', capabilities: chunks(d, 3).map((c) => ({ fn: c[0] as number, compliance: c[1] as number, count: c[2] as number })) });
    case REPLY.LSTATR: return exact('LSTATR', 2, () => ({ kind: 'lstatr', tamper: d[0] !== 0, power: d[1] !== 0 }));
    case REPLY.ISTATR: return ok({ kind: 'istatr', inputs: Array.from(d, (b) => b !== 0) });
    case REPLY.OSTATR: return ok({ kind: 'ostatr', outputs: Array.from(d, (b) => b !== 0) });
    case REPLY.RAW: {
      if (d.length < 4) return lengthError('RAW', d.length, 'at least 4');
      const bitCount = u16(d, 2);
      if (d.length !== 4 + Math.ceil(bitCount / 8)) return lengthError('RAW', d.length, `4 + ${Math.ceil(bitCount / 8)} for ${bitCount} bits`);
      return ok({ kind: 'raw', reader: d[0] as number, format: d[1] as number, bitCount, data: d.slice(4) });
    }
    case REPLY.KEYPAD: {
      if (d.length < 2 || d.length !== 2 + (d[1] as number)) return lengthError('KEYPAD', d.length, '2 + digit count');
      return ok({ kind: 'keypad', reader: d[0] as number, keys: ascii(d.subarray(2)) });
    }
    case REPLY.COM: return exact('COM', 5, () => ({ kind: 'com', address: d[0] as number, baudRate: u32(d, 1) }));
    case REPLY.CCRYPT: return exact('CCRYPT', 32, () => ({ kind: 'ccrypt', clientUid: d.slice(0, 8), pdRandom: d.slice(8, 16), pdCryptogram: d.slice(16, 32) }));
    case REPLY.RMAC_I: return exact('RMAC_I', 16, () => ({ kind: 'rmac_i', rmacI: d.slice() }));
    case REPLY.BUSY: return exact('BUSY', 0, () => ({ kind: 'busy' }));
    default: return err(osdpError('OSDP_UNKNOWN_CODE', `unknown reply code 0x${code.toString(16)}`));
  }
}

function chunks(d: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < d.length; i += size) out.push(d.subarray(i, i + size));
  return out;
}
