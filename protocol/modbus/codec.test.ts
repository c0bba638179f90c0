import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../core/index.ts';
import { decodeRequest, decodeResponse } from './decode.ts';
import { encodeRequest, encodeResponse } from './encode.ts';
import { withCrc } from './crc.ts';
import { exceptionFixtures, requestFixtures, responseFixtures } from './fixtures.test-data.ts';
import { RtuStream } from './stream.ts';
import { EXCEPTION_NAMES } from './types.ts';

const hex = (h: string): string => toHex(fromHex(h), ' ');

describe('request fixtures', () => {
  for (const f of requestFixtures) {
    it(`${f.name}: decode, encode, round trip`, () => {
      const bytes = fromHex(f.hex);
      expect(decodeRequest(bytes)).toEqual({ kind: 'frame', frame: { unit: f.unit, pdu: f.pdu }, consumed: bytes.length });
      const encoded = encodeRequest(f.unit, f.pdu);
      expect(encoded.ok && toHex(encoded.value, ' ')).toBe(hex(f.hex));
      const again = decodeRequest(encoded.ok ? encoded.value : new Uint8Array());
      expect(again.kind === 'frame' && again.frame.pdu).toEqual(f.pdu);
    });
  }
});

describe('response fixtures', () => {
  for (const f of responseFixtures) {
    it(`${f.name}: decode, encode, round trip`, () => {
      const bytes = fromHex(f.hex);
      expect(decodeResponse(bytes)).toEqual({ kind: 'frame', frame: { unit: f.unit, pdu: f.pdu }, consumed: bytes.length });
      const encoded = encodeResponse(f.unit, f.pdu);
      expect(encoded.ok && toHex(encoded.value, ' ')).toBe(hex(f.hex));
    });
  }

  for (const f of exceptionFixtures) {
    it(`exception 0x${f.exception.toString(16).padStart(2, '0')} ${f.name}: decode, encode`, () => {
      expect(EXCEPTION_NAMES[f.exception]).toBe(f.name);
      expect(decodeResponse(fromHex(f.hex))).toEqual({ kind: 'frame', frame: { unit: 1, pdu: { fn: 'exception', functionCode: 2, exception: f.exception } }, consumed: 5 });
      const encoded = encodeResponse(1, { fn: 'exception', functionCode: 2, exception: f.exception });
      expect(encoded.ok && toHex(encoded.value, ' ')).toBe(hex(f.hex));
    });
  }
});

describe('requests a server must answer with an exception', () => {
  const cases: [string, string, number, number][] = [
    ['read input registers (FC04, not implemented)', '01 04 0000 000A 700D', 0x04, 0x01],
    ['read holding registers, quantity 126', '01 03 0000 007E C5EA', 0x03, 0x03],
    ['write registers, byte count not matching the quantity', '01 10 0000 0002 03 0001 02 15D7', 0x10, 0x03],
    ['report server id (FC11, 4-byte frame)', toHex(withCrc(fromHex('01 11'))), 0x11, 0x01],
    ['read coils, quantity 0', toHex(withCrc(fromHex('01 01 0000 0000'))), 0x01, 0x03],
    ['read inputs, quantity 2001', toHex(withCrc(fromHex('01 02 0000 07D1'))), 0x02, 0x03],
    ['write coil value 0x1234', toHex(withCrc(fromHex('01 05 0000 1234'))), 0x05, 0x03],
    ['write coils, byte count not matching the quantity', toHex(withCrc(fromHex('01 0F 0000 000A 01 FF'))), 0x0f, 0x03],
  ];
  for (const [name, h, fc, exception] of cases) {
    it(name, () => {
      const s = decodeRequest(fromHex(h));
      expect(s.kind).toBe('frame');
      if (s.kind === 'frame') expect(s.frame.pdu).toMatchObject({ fn: 'illegal', functionCode: fc, exception });
    });
  }
});

describe('error codes', () => {
  it('MODBUS_BAD_CRC: skips one byte', () => {
    expect(decodeRequest(fromHex('01 05 0000 FF00 8C3B'))).toMatchObject({ kind: 'bad', code: 'MODBUS_BAD_CRC', skip: 1 });
    expect(decodeResponse(fromHex('01 82 02 C162'))).toMatchObject({ kind: 'bad', code: 'MODBUS_BAD_CRC', skip: 1 });
  });

  it('MODBUS_UNKNOWN_FUNCTION: a function code with no known length', () => {
    expect(decodeRequest(fromHex('01 41 00 00'))).toMatchObject({ kind: 'bad', code: 'MODBUS_UNKNOWN_FUNCTION', skip: 1 });
    expect(decodeResponse(fromHex('01 04 02 00 00'))).toMatchObject({ kind: 'bad', code: 'MODBUS_UNKNOWN_FUNCTION', skip: 1 });
  });

  it('MODBUS_BAD_LENGTH: byte counts no frame carries', () => {
    expect(decodeResponse(fromHex('01 01 00'))).toMatchObject({ kind: 'bad', code: 'MODBUS_BAD_LENGTH', skip: 1 });
    expect(decodeResponse(fromHex('01 02 FB'))).toMatchObject({ kind: 'bad', code: 'MODBUS_BAD_LENGTH', skip: 1 });
    expect(decodeRequest(fromHex('01 0F 0000 0008 F7'))).toMatchObject({ kind: 'bad', code: 'MODBUS_BAD_LENGTH', skip: 1 });
    expect(decodeResponse(fromHex('01 03 03'))).toMatchObject({ kind: 'bad', code: 'MODBUS_BAD_LENGTH', skip: 1 });
    expect(decodeResponse(fromHex('01 03 FC'))).toMatchObject({ kind: 'bad', code: 'MODBUS_BAD_LENGTH', skip: 1 });
  });

  it('MODBUS_BAD_VALUE: a well-framed reply with an impossible value skips the whole frame', () => {
    expect(decodeResponse(withCrc(fromHex('01 05 0000 00FF')))).toMatchObject({ kind: 'bad', code: 'MODBUS_BAD_VALUE', skip: 8 });
    expect(decodeResponse(withCrc(fromHex('01 0F 0000 0000')))).toMatchObject({ kind: 'bad', code: 'MODBUS_BAD_VALUE', skip: 8 });
    expect(decodeResponse(withCrc(fromHex('01 10 0000 0000')))).toMatchObject({ kind: 'bad', code: 'MODBUS_BAD_VALUE', skip: 8 });
  });

  it('MODBUS_BAD_ARGUMENT: encoding out-of-range values', () => {
    const badRequests = [
      encodeRequest(248, { fn: 'read-coils', start: 0, quantity: 1 }),
      encodeRequest(0, { fn: 'read-coils', start: 0, quantity: 1 }),
      encodeRequest(1, { fn: 'read-coils', start: 0, quantity: 0 }),
      encodeRequest(1, { fn: 'read-discrete-inputs', start: 65535, quantity: 2 }),
      encodeRequest(1, { fn: 'write-single-coil', address: 70000, value: true }),
      encodeRequest(1, { fn: 'write-multiple-coils', start: 0, values: [] }),
      encodeRequest(1, { fn: 'illegal', functionCode: 3, exception: 1, reason: 'x' }),
      encodeRequest(0, { fn: 'read-holding-registers', start: 0, quantity: 1 }),
      encodeRequest(1, { fn: 'read-holding-registers', start: 0, quantity: 126 }),
      encodeRequest(1, { fn: 'write-single-register', address: 0, value: 0x10000 }),
      encodeRequest(1, { fn: 'write-multiple-registers', start: 0, values: [] }),
      encodeRequest(1, { fn: 'write-multiple-registers', start: 65535, values: [1, 2] }),
      encodeResponse(1, { fn: 'read-holding-registers', values: [-1] }),
      encodeResponse(0, { fn: 'read-coils', bits: [true] }),
      encodeResponse(1, { fn: 'read-coils', bits: [] }),
      encodeResponse(1, { fn: 'exception', functionCode: 0x81, exception: 1 }),
    ];
    for (const r of badRequests) expect(r).toMatchObject({ ok: false, error: { code: 'MODBUS_BAD_ARGUMENT' } });
  });

  it('a broadcast write encodes (unit 0)', () => {
    const r = encodeRequest(0, { fn: 'write-single-coil', address: 1, value: false });
    expect(r.ok && toHex(r.value, ' ')).toBe(toHex(withCrc(fromHex('00 05 0001 0000')), ' '));
  });
});

describe('split frames', () => {
  const all = [...requestFixtures.map((f) => ['request', f.hex] as const), ...responseFixtures.map((f) => ['response', f.hex] as const)];
  for (const [side, h] of all) {
    it(`${side} ${h}: same frame whatever the byte boundary`, () => {
      const bytes = fromHex(h);
      const whole = (side === 'request' ? decodeRequest : decodeResponse)(bytes);
      for (let cut = 0; cut <= bytes.length; cut++) {
        const stream = side === 'request' ? new RtuStream(decodeRequest) : new RtuStream(decodeResponse);
        const first = stream.push(bytes.subarray(0, cut));
        const second = stream.push(bytes.subarray(cut));
        expect([...first.frames, ...second.frames]).toEqual([whole.kind === 'frame' ? whole.frame : undefined]);
        expect([...first.rejected, ...second.rejected]).toEqual([]);
        expect(stream.buffered).toBe(0);
      }
    });
  }

  it('three frames in one chunk, one byte at a time, with noise between them', () => {
    const a = fromHex('11 01 05 CD6BB20E1B 45E6');
    const b = fromHex('01 82 02 C161');
    const noisy = new Uint8Array([0x00, ...a, 0xff, 0x13, ...b, ...a]);
    const stream = new RtuStream(decodeResponse);
    const frames = [];
    for (const byte of noisy) frames.push(...stream.push(Uint8Array.of(byte)).frames);
    expect(frames.map((f) => f.pdu.fn)).toEqual(['read-coils', 'exception', 'read-coils']);
  });
});
