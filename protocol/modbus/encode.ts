import { err, ok, type Result } from '../core/index.ts';
import { packBits } from './bits.ts';
import { withCrc } from './crc.ts';
import {
  EXCEPTION_FLAG,
  MAX_READ_BITS,
  MAX_READ_REGISTERS,
  MAX_UNIT,
  MAX_WRITE_COILS,
  MAX_WRITE_REGISTERS,
  functionCodeOf,
  type ModbusCodecError,
  type ModbusRequest,
  type ModbusResponse,
} from './types.ts';

type Encoded = Result<Uint8Array, ModbusCodecError>;

const bad = (message: string): Encoded => err({ code: 'MODBUS_BAD_ARGUMENT', message });
const isU16 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffff;
const rangeFits = (start: number, quantity: number): boolean => start + quantity <= 0x10000;

function frame(unit: number, fc: number, data: readonly number[] | Uint8Array): Encoded {
  if (!Number.isInteger(unit) || unit < 0 || unit > MAX_UNIT) return bad(`unit ${unit} is outside 0-${MAX_UNIT}`);
  const body = new Uint8Array(2 + data.length);
  body[0] = unit;
  body[1] = fc;
  body.set(data, 2);
  return ok(withCrc(body));
}

const u16 = (n: number): [number, number] => [n >>> 8, n & 0xff];

/** Encodes a request (master side). Unit 0 is a broadcast, which only writes may use. */
export function encodeRequest(unit: number, req: ModbusRequest): Encoded {
  switch (req.fn) {
    case 'read-coils':
    case 'read-discrete-inputs':
      if (unit === 0) return bad('a read cannot be broadcast (unit 0)');
      if (!isU16(req.start)) return bad(`start ${req.start} is not a 16-bit address`);
      if (!Number.isInteger(req.quantity) || req.quantity < 1 || req.quantity > MAX_READ_BITS) return bad(`quantity ${req.quantity} is outside 1-${MAX_READ_BITS}`);
      if (!rangeFits(req.start, req.quantity)) return bad(`start ${req.start} + quantity ${req.quantity} passes address 65535`);
      return frame(unit, functionCodeOf(req.fn), [...u16(req.start), ...u16(req.quantity)]);
    case 'write-single-coil':
      if (!isU16(req.address)) return bad(`address ${req.address} is not a 16-bit address`);
      return frame(unit, functionCodeOf(req.fn), [...u16(req.address), req.value ? 0xff : 0x00, 0x00]);
    case 'write-multiple-coils': {
      const q = req.values.length;
      if (!isU16(req.start)) return bad(`start ${req.start} is not a 16-bit address`);
      if (q < 1 || q > MAX_WRITE_COILS) return bad(`quantity ${q} is outside 1-${MAX_WRITE_COILS}`);
      if (!rangeFits(req.start, q)) return bad(`start ${req.start} + quantity ${q} passes address 65535`);
      const packed = packBits(req.values);
      return frame(unit, functionCodeOf(req.fn), [...u16(req.start), ...u16(q), packed.length, ...packed]);
    }
    case 'read-holding-registers':
      if (unit === 0) return bad('a read cannot be broadcast (unit 0)');
      if (!isU16(req.start)) return bad(`start ${req.start} is not a 16-bit address`);
      if (!Number.isInteger(req.quantity) || req.quantity < 1 || req.quantity > MAX_READ_REGISTERS) return bad(`quantity ${req.quantity} is outside 1-${MAX_READ_REGISTERS}`);
      if (!rangeFits(req.start, req.quantity)) return bad(`start ${req.start} + quantity ${req.quantity} passes address 65535`);
      return frame(unit, functionCodeOf(req.fn), [...u16(req.start), ...u16(req.quantity)]);
    case 'write-single-register':
      if (!isU16(req.address)) return bad(`address ${req.address} is not a 16-bit address`);
      if (!isU16(req.value)) return bad(`value ${req.value} is not a 16-bit register value`);
      return frame(unit, functionCodeOf(req.fn), [...u16(req.address), ...u16(req.value)]);
    case 'write-multiple-registers': {
      const q = req.values.length;
      if (!isU16(req.start)) return bad(`start ${req.start} is not a 16-bit address`);
      if (q < 1 || q > MAX_WRITE_REGISTERS) return bad(`quantity ${q} is outside 1-${MAX_WRITE_REGISTERS}`);
      if (!rangeFits(req.start, q)) return bad(`start ${req.start} + quantity ${q} passes address 65535`);
      if (!req.values.every(isU16)) return bad('a register value is not a 16-bit value');
      return frame(unit, functionCodeOf(req.fn), [...u16(req.start), ...u16(q), q * 2, ...req.values.flatMap(u16)]);
    }
    case 'illegal':
      return bad('an illegal request is a decoding result and cannot be encoded');
  }
}

/** Encodes a reply (server side). */
export function encodeResponse(unit: number, res: ModbusResponse): Encoded {
  if (unit === 0) return bad('a server never answers a broadcast (unit 0)');
  switch (res.fn) {
    case 'read-coils':
    case 'read-discrete-inputs': {
      if (res.bits.length < 1 || res.bits.length > MAX_READ_BITS) return bad(`bit count ${res.bits.length} is outside 1-${MAX_READ_BITS}`);
      const packed = packBits(res.bits);
      return frame(unit, functionCodeOf(res.fn), [packed.length, ...packed]);
    }
    case 'write-single-coil':
      if (!isU16(res.address)) return bad(`address ${res.address} is not a 16-bit address`);
      return frame(unit, functionCodeOf(res.fn), [...u16(res.address), res.value ? 0xff : 0x00, 0x00]);
    case 'write-multiple-coils':
      if (!isU16(res.start)) return bad(`start ${res.start} is not a 16-bit address`);
      if (!Number.isInteger(res.quantity) || res.quantity < 1 || res.quantity > MAX_WRITE_COILS) return bad(`quantity ${res.quantity} is outside 1-${MAX_WRITE_COILS}`);
      return frame(unit, functionCodeOf(res.fn), [...u16(res.start), ...u16(res.quantity)]);
    case 'read-holding-registers':
      if (res.values.length < 1 || res.values.length > MAX_READ_REGISTERS) return bad(`register count ${res.values.length} is outside 1-${MAX_READ_REGISTERS}`);
      if (!res.values.every(isU16)) return bad('a register value is not a 16-bit value');
      return frame(unit, functionCodeOf(res.fn), [res.values.length * 2, ...res.values.flatMap(u16)]);
    case 'write-single-register':
      if (!isU16(res.address) || !isU16(res.value)) return bad(`address ${res.address} or value ${res.value} is not 16-bit`);
      return frame(unit, functionCodeOf(res.fn), [...u16(res.address), ...u16(res.value)]);
    case 'write-multiple-registers':
      if (!isU16(res.start)) return bad(`start ${res.start} is not a 16-bit address`);
      if (!Number.isInteger(res.quantity) || res.quantity < 1 || res.quantity > MAX_WRITE_REGISTERS) return bad(`quantity ${res.quantity} is outside 1-${MAX_WRITE_REGISTERS}`);
      return frame(unit, functionCodeOf(res.fn), [...u16(res.start), ...u16(res.quantity)]);
    case 'exception':
      if (!Number.isInteger(res.functionCode) || res.functionCode < 1 || res.functionCode > 0x7f) return bad(`function code ${res.functionCode} is outside 1-127`);
      if (!Number.isInteger(res.exception) || res.exception < 0 || res.exception > 0xff) return bad(`exception code ${res.exception} is not a byte`);
      return frame(unit, res.functionCode | EXCEPTION_FLAG, [res.exception]);
  }
}
