import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../core/index.ts';
import { CMD, decodeCommand, decodeReply, encodeCommand, encodeReply, REPLY, type OsdpCommand, type OsdpReply } from './commands.ts';

/** Command data fixtures: code, data hex, typed value (layouts from SIA OSDP v2.2 section 6). */
const COMMANDS: { name: string; code: number; hex: string; value: OsdpCommand }[] = [
  { name: 'POLL', code: CMD.POLL, hex: '', value: { kind: 'poll' } },
  { name: 'ID', code: CMD.ID, hex: '00', value: { kind: 'id' } },
  { name: 'CAP', code: CMD.CAP, hex: '00', value: { kind: 'cap' } },
  { name: 'LSTAT', code: CMD.LSTAT, hex: '', value: { kind: 'lstat' } },
  { name: 'ISTAT', code: CMD.ISTAT, hex: '', value: { kind: 'istat' } },
  { name: 'OSTAT', code: CMD.OSTAT, hex: '', value: { kind: 'ostat' } },
  { name: 'OUT output 0 on for 2 s', code: CMD.OUT, hex: '00051400', value: { kind: 'out', outputs: [{ output: 0, control: 5, timer: 20 }] } },
  {
    name: 'LED green flash 2 s then off',
    code: CMD.LED,
    hex: '0000020505020014000100000000',
    value: { kind: 'led', records: [{ reader: 0, led: 0, temporary: { control: 2, onTime: 5, offTime: 5, onColour: 2, offColour: 0, timer: 20 }, permanent: { control: 1, onTime: 0, offTime: 0, onColour: 0, offColour: 0 } }] },
  },
  { name: 'BUZ 2 beeps', code: CMD.BUZ, hex: '0002020102', value: { kind: 'buz', reader: 0, tone: 2, onTime: 2, offTime: 1, count: 2 } },
  { name: 'TEXT "Welcome"', code: CMD.TEXT, hex: '000303010107' + toHex(new TextEncoder().encode('Welcome')), value: { kind: 'text', reader: 0, command: 3, tempTime: 3, row: 1, column: 1, text: 'Welcome' } },
  { name: 'COMSET address 5 at 115200', code: CMD.COMSET, hex: '0500c20100', value: { kind: 'comset', address: 5, baudRate: 115200 } },
  { name: 'KEYSET SCBK', code: CMD.KEYSET, hex: '0110' + '00112233445566778899aabbccddeeff', value: { kind: 'keyset', keyType: 1, key: fromHex('00112233445566778899aabbccddeeff') } },
  { name: 'CHLNG', code: CMD.CHLNG, hex: 'b0b1b2b3b4b5b6b7', value: { kind: 'chlng', cpRandom: fromHex('b0b1b2b3b4b5b6b7') } },
  { name: 'SCRYPT', code: CMD.SCRYPT, hex: '26d3356e07762d262801fc8e6665a891', value: { kind: 'scrypt', cpCryptogram: fromHex('26d3356e07762d262801fc8e6665a891') } },
];

const REPLIES: { name: string; code: number; hex: string; value: OsdpReply }[] = [
  { name: 'ACK', code: REPLY.ACK, hex: '', value: { kind: 'ack' } },
  { name: 'NAK unknown command', code: REPLY.NAK, hex: '03', value: { kind: 'nak', reason: 3, detail: new Uint8Array(0) } },
  { name: 'PDID', code: REPLY.PDID, hex: '5c2605010278563412010203', value: { kind: 'pdid', vendorCode: 0x05265c, model: 1, version: 2, serial: 0x12345678, firmware: '1.2.3' } },
  // The vendor code (IEEE OUI) travels least significant byte first: 0x00C0FFEE is EE FF C0.
  { name: 'PDID vendor 0x00C0FFEE', code: REPLY.PDID, hex: 'eeffc0' + '0701' + 'e8030000' + '020a00', value: { kind: 'pdid', vendorCode: 0xc0ffee, model: 7, version: 1, serial: 1000, firmware: '2.10.0' } },
  { name: 'PDCAP', code: REPLY.PDCAP, hex: '040101' + '090100', value: { kind: 'pdcap', capabilities: [{ fn: 4, compliance: 1, count: 1 }, { fn: 9, compliance: 1, count: 0 }] } },
  { name: 'LSTATR tamper', code: REPLY.LSTATR, hex: '0100', value: { kind: 'lstatr', tamper: true, power: false } },
  { name: 'ISTATR', code: REPLY.ISTATR, hex: '0100', value: { kind: 'istatr', inputs: [true, false] } },
  { name: 'OSTATR', code: REPLY.OSTATR, hex: '01', value: { kind: 'ostatr', outputs: [true] } },
  { name: 'RAW Wiegand 26', code: REPLY.RAW, hex: '00011a00' + '0c8d5140', value: { kind: 'raw', reader: 0, format: 1, bitCount: 26, data: fromHex('0c8d5140') } },
  { name: 'KEYPAD 1234#', code: REPLY.KEYPAD, hex: '00053132333423', value: { kind: 'keypad', reader: 0, keys: '1234#' } },
  // OSDP v2.2 osdp_KEYPAD: '*' is 0x7F and '#' is 0x0D.
  { name: 'KEYPAD 12*90# (spec codes)', code: REPLY.KEYPAD, hex: '000631327f39300d', value: { kind: 'keypad', reader: 0, keys: '12\x7f90\r' } },
  { name: 'COM', code: REPLY.COM, hex: '0580250000', value: { kind: 'com', address: 5, baudRate: 9600 } },
  { name: 'CCRYPT', code: REPLY.CCRYPT, hex: '0011223344556677' + 'a0a1a2a3a4a5a6a7' + 'fde5d2f428ec16312471ea3c02bd7796', value: { kind: 'ccrypt', clientUid: fromHex('0011223344556677'), pdRandom: fromHex('a0a1a2a3a4a5a6a7'), pdCryptogram: fromHex('fde5d2f428ec16312471ea3c02bd7796') } },
  { name: 'RMAC_I', code: REPLY.RMAC_I, hex: 'b2a30057eb98ba2229ec1f875662b524', value: { kind: 'rmac_i', rmacI: fromHex('b2a30057eb98ba2229ec1f875662b524') } },
  { name: 'BUSY', code: REPLY.BUSY, hex: '', value: { kind: 'busy' } },
];

describe('OSDP command data', () => {
  for (const f of COMMANDS) {
    it(`decodes, encodes and round-trips ${f.name}`, () => {
      const decoded = decodeCommand(f.code, fromHex(f.hex));
      expect(decoded).toEqual({ ok: true, value: f.value });
      const encoded = encodeCommand(f.value);
      expect(encoded.code).toBe(f.code);
      expect(toHex(encoded.data)).toBe(f.hex);
    });
  }
});

describe('OSDP reply data', () => {
  for (const f of REPLIES) {
    it(`decodes, encodes and round-trips ${f.name}`, () => {
      expect(decodeReply(f.code, fromHex(f.hex))).toEqual({ ok: true, value: f.value });
      const encoded = encodeReply(f.value);
      expect(encoded.code).toBe(f.code);
      expect(toHex(encoded.data)).toBe(f.hex);
    });
  }
});

describe('OSDP data errors', () => {
  const CASES: { name: string; run: () => ReturnType<typeof decodeReply> | ReturnType<typeof decodeCommand>; code: string }[] = [
    { name: 'unknown command code', run: () => decodeCommand(0x99, new Uint8Array(0)), code: 'OSDP_UNKNOWN_CODE' },
    { name: 'unknown reply code', run: () => decodeReply(0x99, new Uint8Array(0)), code: 'OSDP_UNKNOWN_CODE' },
    { name: 'POLL with data', run: () => decodeCommand(CMD.POLL, fromHex('00')), code: 'OSDP_DATA_LENGTH' },
    { name: 'LED record cut short', run: () => decodeCommand(CMD.LED, new Uint8Array(13)), code: 'OSDP_DATA_LENGTH' },
    { name: 'OUT record cut short', run: () => decodeCommand(CMD.OUT, new Uint8Array(3)), code: 'OSDP_DATA_LENGTH' },
    { name: 'TEXT length byte disagrees', run: () => decodeCommand(CMD.TEXT, fromHex('00030301010541')), code: 'OSDP_DATA_LENGTH' },
    { name: 'KEYSET with an 8-byte key', run: () => decodeCommand(CMD.KEYSET, fromHex('01080011223344556677')), code: 'OSDP_BAD_VALUE' },
    { name: 'RAW bit count larger than the data', run: () => decodeReply(REPLY.RAW, fromHex('00012200' + '0c8d5140')), code: 'OSDP_DATA_LENGTH' },
    { name: 'KEYPAD count disagrees', run: () => decodeReply(REPLY.KEYPAD, fromHex('000331')), code: 'OSDP_DATA_LENGTH' },
    { name: 'NAK without a reason', run: () => decodeReply(REPLY.NAK, new Uint8Array(0)), code: 'OSDP_DATA_LENGTH' },
    { name: 'CCRYPT too short', run: () => decodeReply(REPLY.CCRYPT, new Uint8Array(31)), code: 'OSDP_DATA_LENGTH' },
  ];
  for (const c of CASES) {
    it(`${c.code}: ${c.name}`, () => {
      const r = c.run();
      expect(!r.ok && r.error.code).toBe(c.code);
    });
  }

  it('property: any code and data decode to a result, never a throw', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 80 }), (code, data) => {
        expect(typeof decodeCommand(code, data).ok).toBe('boolean');
        expect(typeof decodeReply(code, data).ok).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });
});
