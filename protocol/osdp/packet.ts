import type { DecodeStep } from '../core/index.ts';
import { checksum8, crc16 } from './crc.ts';
import type { OsdpPacketErrorCode } from './errors.ts';

/**
 * OSDP v2 framing: [0xFF mark] SOM 0x53, address (bit 7 set on replies), length (u16 LE,
 * SOM through the check, without the mark), control, [security block], code, data,
 * [4-byte MAC], CRC-16 (LE) or 8-bit checksum.
 */
export const SOM = 0x53;
export const MARK = 0xff;
export const BROADCAST_ADDRESS = 0x7f;
/** Largest packet this codec accepts (the spec leaves it to the PD's receive buffer; 1440 covers every device seen). */
export const MAX_PACKET_LENGTH = 1440;

const CTRL_SEQUENCE = 0x03;
const CTRL_CRC = 0x04;
const CTRL_SCB = 0x08;
const HEADER_LENGTH = 5;

/** Security block types (SCS_xx): 11-14 run the handshake, 15-18 carry a MAC (17/18 with encrypted data). */
export const SCS = {
  CHLNG: 0x11,
  CCRYPT: 0x12,
  SCRYPT: 0x13,
  RMAC_I: 0x14,
  CMD_MAC: 0x15,
  REPLY_MAC: 0x16,
  CMD_ENC: 0x17,
  REPLY_ENC: 0x18,
} as const;

export const MAC_LENGTH = 4;

export function carriesMac(securityBlockType: number): boolean {
  return securityBlockType >= SCS.CMD_MAC && securityBlockType <= SCS.REPLY_ENC;
}

export interface SecurityBlock {
  readonly type: number;
  /** The block's bytes after its length and type bytes (e.g. the key selector of SCS_11). */
  readonly data: Uint8Array;
}

export interface OsdpPacket {
  /** 0x00-0x7E a PD, 0x7F broadcast; without the reply bit. */
  readonly address: number;
  readonly reply: boolean;
  readonly sequence: number;
  readonly useCrc: boolean;
  readonly securityBlock?: SecurityBlock;
  readonly code: number;
  readonly data: Uint8Array;
  /** The first 4 bytes of the packet MAC, present exactly when the security block type is 0x15-0x18. */
  readonly mac?: Uint8Array;
}

export interface DecodedPacket extends OsdpPacket {
  readonly marked: boolean;
  /** SOM up to the end of the data: the bytes the MAC covers. */
  readonly macInput: Uint8Array;
}

export type PacketStep = DecodeStep<DecodedPacket, OsdpPacketErrorCode>;

function bad(code: OsdpPacketErrorCode, skip: number, message: string): PacketStep {
  return { kind: 'bad', code, skip, message };
}

/** Decodes one packet from the head of `buf` (house rule 2: never throws, re-syncs on the next SOM). */
export function decodePacket(buf: Uint8Array): PacketStep {
  if (buf.length === 0) return { kind: 'need-more' };
  const som = buf.indexOf(SOM);
  const marked = som >= 1 && buf[som - 1] === MARK;
  const start = marked ? som - 1 : som;
  if (som < 0) {
    const keep = buf[buf.length - 1] === MARK ? 1 : 0;
    return keep === buf.length ? { kind: 'need-more' } : bad('OSDP_NO_SOM', buf.length - keep, `${buf.length - keep} byte(s) without a start of message`);
  }
  if (start > 0) return bad('OSDP_NO_SOM', start, `${start} byte(s) before the start of message`);
  const s = som;
  if (buf.length < s + HEADER_LENGTH) return { kind: 'need-more' };
  const length = (buf[s + 2] as number) | ((buf[s + 3] as number) << 8);
  const ctrl = buf[s + 4] as number;
  const useCrc = (ctrl & CTRL_CRC) !== 0;
  const checkLength = useCrc ? 2 : 1;
  if (length < HEADER_LENGTH + 1 + checkLength || length > MAX_PACKET_LENGTH) {
    return bad('OSDP_BAD_LENGTH', s + 1, `length ${length} outside ${HEADER_LENGTH + 1 + checkLength}..${MAX_PACKET_LENGTH}`);
  }
  if (buf.length < s + length) return { kind: 'need-more' };
  const end = s + length - checkLength;
  if (useCrc) {
    const got = (buf[end] as number) | ((buf[end + 1] as number) << 8);
    const want = crc16(buf, s, end);
    if (got !== want) return bad('OSDP_BAD_CRC', s + 1, `CRC ${hex4(got)}, expected ${hex4(want)}`);
  } else {
    const got = buf[end] as number;
    const want = checksum8(buf, s, end);
    if (got !== want) return bad('OSDP_BAD_CHECKSUM', s + 1, `checksum ${hex2(got)}, expected ${hex2(want)}`);
  }
  let cursor = s + HEADER_LENGTH;
  let securityBlock: SecurityBlock | undefined;
  let macLength = 0;
  if (ctrl & CTRL_SCB) {
    const scbLength = buf[cursor] as number;
    if (scbLength < 2 || cursor + scbLength >= end) return bad('OSDP_BAD_SECURITY_BLOCK', s + 1, `security block length ${scbLength} does not fit`);
    const type = buf[cursor + 1] as number;
    securityBlock = { type, data: buf.slice(cursor + 2, cursor + scbLength) };
    macLength = carriesMac(type) ? MAC_LENGTH : 0;
    cursor += scbLength;
  }
  const dataEnd = end - macLength;
  if (cursor >= dataEnd) return bad('OSDP_BAD_LENGTH', s + 1, `length ${length} leaves no room for the code`);
  const address = buf[s + 1] as number;
  const frame: DecodedPacket = {
    address: address & 0x7f,
    reply: (address & 0x80) !== 0,
    sequence: ctrl & CTRL_SEQUENCE,
    useCrc,
    ...(securityBlock ? { securityBlock } : {}),
    code: buf[cursor] as number,
    data: buf.slice(cursor + 1, dataEnd),
    ...(macLength ? { mac: buf.slice(dataEnd, end) } : {}),
    marked,
    macInput: buf.slice(s, dataEnd),
  };
  return { kind: 'frame', frame, consumed: s + length };
}

export interface EncodeOptions {
  /** Prefix the 0xFF mark byte (libosdp and most readers send it). */
  readonly mark?: boolean;
  /** Computes the 4 MAC bytes over SOM..data (secure-session.ts); used when the block type carries a MAC. */
  readonly sign?: (macInput: Uint8Array) => Uint8Array;
}

/** Encodes a packet. Throws RangeError on values this program should never produce (not wire data). */
export function encodePacket(p: OsdpPacket, options: EncodeOptions = {}): Uint8Array {
  if (p.address < 0 || p.address > 0x7f || p.sequence < 0 || p.sequence > 3 || p.code < 0 || p.code > 0xff) {
    throw new RangeError(`invalid OSDP packet header: address ${p.address}, sequence ${p.sequence}, code ${p.code}`);
  }
  const scb = p.securityBlock;
  const scbLength = scb ? scb.data.length + 2 : 0;
  const macLength = scb && carriesMac(scb.type) ? MAC_LENGTH : 0;
  const checkLength = p.useCrc ? 2 : 1;
  const length = HEADER_LENGTH + scbLength + 1 + p.data.length + macLength + checkLength;
  if (length > MAX_PACKET_LENGTH) throw new RangeError(`OSDP packet of ${length} bytes exceeds ${MAX_PACKET_LENGTH}`);
  const offset = options.mark ? 1 : 0;
  const out = new Uint8Array(offset + length);
  if (options.mark) out[0] = MARK;
  out[offset] = SOM;
  out[offset + 1] = p.address | (p.reply ? 0x80 : 0);
  out[offset + 2] = length & 0xff;
  out[offset + 3] = length >> 8;
  out[offset + 4] = p.sequence | (p.useCrc ? CTRL_CRC : 0) | (scb ? CTRL_SCB : 0);
  let cursor = offset + HEADER_LENGTH;
  if (scb) {
    out[cursor] = scbLength;
    out[cursor + 1] = scb.type;
    out.set(scb.data, cursor + 2);
    cursor += scbLength;
  }
  out[cursor++] = p.code;
  out.set(p.data, cursor);
  cursor += p.data.length;
  if (macLength) {
    const mac = options.sign ? options.sign(out.subarray(offset, cursor)) : p.mac;
    if (!mac || mac.length < MAC_LENGTH) throw new RangeError(`security block 0x${scb?.type.toString(16)} needs a MAC`);
    out.set(mac.subarray(0, MAC_LENGTH), cursor);
    cursor += MAC_LENGTH;
  }
  if (p.useCrc) {
    const crc = crc16(out, offset, cursor);
    out[cursor] = crc & 0xff;
    out[cursor + 1] = crc >> 8;
  } else {
    out[cursor] = checksum8(out, offset, cursor);
  }
  return out;
}

function hex4(n: number): string {
  return `0x${n.toString(16).padStart(4, '0')}`;
}

function hex2(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}
