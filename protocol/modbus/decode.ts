import type { DecodeStep } from '../core/index.ts';
import { unpackBits } from './bits.ts';
import { hasValidCrc } from './crc.ts';
import {
  EXCEPTION_FLAG,
  ExceptionCode,
  FunctionCode,
  MAX_READ_BITS,
  MAX_READ_REGISTERS,
  MAX_WRITE_COILS,
  MAX_WRITE_REGISTERS,
  type ModbusCodecErrorCode,
  type ModbusRequest,
  type ModbusResponse,
  type RtuFrame,
} from './types.ts';

/*
 * RTU frames are delimited on the line by 3.5 character times of silence. A pty, a TCP
 * serial server or a USB adapter's buffering destroys that timing, so these decoders
 * frame by content instead: the function code (and, where the frame has one, its byte
 * count) gives the length, and the CRC confirms it. A CRC mismatch drops one byte and
 * tries again, which re-synchronises on the next real frame start.
 */

export type RequestStep = DecodeStep<RtuFrame<ModbusRequest>, ModbusCodecErrorCode>;
export type ResponseStep = DecodeStep<RtuFrame<ModbusResponse>, ModbusCodecErrorCode>;

type Length = number | 'need-more' | { bad: ModbusCodecErrorCode; message: string };

const u16 = (b: Uint8Array, at: number): number => ((b[at] as number) << 8) | (b[at + 1] as number);
const NEED_MORE = { kind: 'need-more' } as const;

/** The length of a request frame (address through CRC), from what the buffer holds so far. */
function requestLength(b: Uint8Array): Length {
  const fc = b[1] as number;
  switch (fc) {
    case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06: case 0x08:
      return 8;
    case 0x07: case 0x0b: case 0x0c: case 0x11:
      return 4;
    case 0x18:
      return 6;
    case 0x16:
      return 10;
    case 0x0f: case 0x10: {
      if (b.length < 7) return 'need-more';
      const count = b[6] as number;
      return count > 246 ? { bad: 'MODBUS_BAD_LENGTH', message: `byte count ${count} exceeds 246` } : 9 + count;
    }
    case 0x17: {
      if (b.length < 11) return 'need-more';
      const count = b[10] as number;
      return count > 242 ? { bad: 'MODBUS_BAD_LENGTH', message: `byte count ${count} exceeds 242` } : 13 + count;
    }
    default:
      return { bad: 'MODBUS_UNKNOWN_FUNCTION', message: `function code 0x${fc.toString(16).padStart(2, '0')} cannot be framed` };
  }
}

function responseLength(b: Uint8Array): Length {
  const fc = b[1] as number;
  if (fc & EXCEPTION_FLAG) return 5;
  switch (fc) {
    case FunctionCode.ReadCoils:
    case FunctionCode.ReadDiscreteInputs: {
      if (b.length < 3) return 'need-more';
      const count = b[2] as number;
      return count < 1 || count > MAX_READ_BITS / 8 ? { bad: 'MODBUS_BAD_LENGTH', message: `byte count ${count} is outside 1-250` } : 5 + count;
    }
    case FunctionCode.ReadHoldingRegisters: {
      if (b.length < 3) return 'need-more';
      const count = b[2] as number;
      return count < 2 || count > MAX_READ_REGISTERS * 2 || count % 2 !== 0 ? { bad: 'MODBUS_BAD_LENGTH', message: `byte count ${count} is not an even number in 2-${MAX_READ_REGISTERS * 2}` } : 5 + count;
    }
    case FunctionCode.WriteSingleCoil:
    case FunctionCode.WriteMultipleCoils:
    case FunctionCode.WriteSingleRegister:
    case FunctionCode.WriteMultipleRegisters:
      return 8;
    default:
      return { bad: 'MODBUS_UNKNOWN_FUNCTION', message: `function code 0x${fc.toString(16).padStart(2, '0')} is not a reply this master reads` };
  }
}

function step<P>(buf: Uint8Array, lengthOf: (b: Uint8Array) => Length, parse: (f: Uint8Array) => P | { bad: ModbusCodecErrorCode; message: string }): DecodeStep<RtuFrame<P>, ModbusCodecErrorCode> {
  if (buf.length < 2) return NEED_MORE;
  const len = lengthOf(buf);
  if (len === 'need-more') return NEED_MORE;
  if (typeof len !== 'number') return { kind: 'bad', code: len.bad, skip: 1, message: len.message };
  if (buf.length < len) return NEED_MORE;
  if (!hasValidCrc(buf, len)) return { kind: 'bad', code: 'MODBUS_BAD_CRC', skip: 1, message: `no valid CRC over the ${len} bytes a 0x${(buf[1] as number).toString(16)} frame takes` };
  const frame = buf.subarray(0, len);
  const pdu = parse(frame);
  if (typeof pdu === 'object' && pdu !== null && 'bad' in pdu) return { kind: 'bad', code: pdu.bad, skip: len, message: pdu.message };
  return { kind: 'frame', frame: { unit: buf[0] as number, pdu }, consumed: len };
}

const illegal = (functionCode: number, exception: ExceptionCode, reason: string): ModbusRequest => ({ fn: 'illegal', functionCode, exception, reason });

function parseRequest(f: Uint8Array): ModbusRequest {
  const fc = f[1] as number;
  switch (fc) {
    case FunctionCode.ReadCoils:
    case FunctionCode.ReadDiscreteInputs: {
      const start = u16(f, 2);
      const quantity = u16(f, 4);
      if (quantity < 1 || quantity > MAX_READ_BITS) return illegal(fc, ExceptionCode.IllegalDataValue, `quantity ${quantity} is outside 1-${MAX_READ_BITS}`);
      return { fn: fc === FunctionCode.ReadCoils ? 'read-coils' : 'read-discrete-inputs', start, quantity };
    }
    case FunctionCode.WriteSingleCoil: {
      const value = u16(f, 4);
      if (value !== 0xff00 && value !== 0x0000) return illegal(fc, ExceptionCode.IllegalDataValue, `coil value 0x${value.toString(16)} is neither FF00 nor 0000`);
      return { fn: 'write-single-coil', address: u16(f, 2), value: value === 0xff00 };
    }
    case FunctionCode.WriteMultipleCoils: {
      const start = u16(f, 2);
      const quantity = u16(f, 4);
      const count = f[6] as number;
      if (quantity < 1 || quantity > MAX_WRITE_COILS) return illegal(fc, ExceptionCode.IllegalDataValue, `quantity ${quantity} is outside 1-${MAX_WRITE_COILS}`);
      if (count !== Math.ceil(quantity / 8)) return illegal(fc, ExceptionCode.IllegalDataValue, `byte count ${count} does not match quantity ${quantity}`);
      return { fn: 'write-multiple-coils', start, values: unpackBits(f.subarray(7, 7 + count), quantity) };
    }
    case FunctionCode.ReadHoldingRegisters: {
      const quantity = u16(f, 4);
      if (quantity < 1 || quantity > MAX_READ_REGISTERS) return illegal(fc, ExceptionCode.IllegalDataValue, `quantity ${quantity} is outside 1-${MAX_READ_REGISTERS}`);
      return { fn: 'read-holding-registers', start: u16(f, 2), quantity };
    }
    case FunctionCode.WriteSingleRegister:
      return { fn: 'write-single-register', address: u16(f, 2), value: u16(f, 4) };
    case FunctionCode.WriteMultipleRegisters: {
      const quantity = u16(f, 4);
      const count = f[6] as number;
      if (quantity < 1 || quantity > MAX_WRITE_REGISTERS) return illegal(fc, ExceptionCode.IllegalDataValue, `quantity ${quantity} is outside 1-${MAX_WRITE_REGISTERS}`);
      if (count !== quantity * 2) return illegal(fc, ExceptionCode.IllegalDataValue, `byte count ${count} does not match quantity ${quantity}`);
      return { fn: 'write-multiple-registers', start: u16(f, 2), values: Array.from({ length: quantity }, (_, i) => u16(f, 7 + 2 * i)) };
    }
    default:
      return illegal(fc, ExceptionCode.IllegalFunction, `function code 0x${fc.toString(16)} is not implemented`);
  }
}

function parseResponse(f: Uint8Array): ModbusResponse | { bad: ModbusCodecErrorCode; message: string } {
  const fc = f[1] as number;
  if (fc & EXCEPTION_FLAG) return { fn: 'exception', functionCode: fc & 0x7f, exception: f[2] as number };
  switch (fc) {
    case FunctionCode.ReadCoils:
    case FunctionCode.ReadDiscreteInputs: {
      const bits = unpackBits(f.subarray(3, f.length - 2));
      return fc === FunctionCode.ReadCoils ? { fn: 'read-coils', bits } : { fn: 'read-discrete-inputs', bits };
    }
    case FunctionCode.WriteSingleCoil: {
      const value = u16(f, 4);
      if (value !== 0xff00 && value !== 0x0000) return { bad: 'MODBUS_BAD_VALUE', message: `coil value 0x${value.toString(16)} is neither FF00 nor 0000` };
      return { fn: 'write-single-coil', address: u16(f, 2), value: value === 0xff00 };
    }
    case FunctionCode.ReadHoldingRegisters:
      return { fn: 'read-holding-registers', values: Array.from({ length: (f[2] as number) / 2 }, (_, i) => u16(f, 3 + 2 * i)) };
    case FunctionCode.WriteSingleRegister:
      return { fn: 'write-single-register', address: u16(f, 2), value: u16(f, 4) };
    case FunctionCode.WriteMultipleRegisters: {
      const quantity = u16(f, 4);
      if (quantity < 1 || quantity > MAX_WRITE_REGISTERS) return { bad: 'MODBUS_BAD_VALUE', message: `quantity ${quantity} is outside 1-${MAX_WRITE_REGISTERS}` };
      return { fn: 'write-multiple-registers', start: u16(f, 2), quantity };
    }
    default: {
      const quantity = u16(f, 4);
      if (quantity < 1 || quantity > MAX_WRITE_COILS) return { bad: 'MODBUS_BAD_VALUE', message: `quantity ${quantity} is outside 1-${MAX_WRITE_COILS}` };
      return { fn: 'write-multiple-coils', start: u16(f, 2), quantity };
    }
  }
}

/** Server side: one step over the bytes a master sent. Never throws. */
export function decodeRequest(buf: Uint8Array): RequestStep {
  return step(buf, requestLength, parseRequest);
}

/** Master side: one step over the bytes a server sent. Never throws. */
export function decodeResponse(buf: Uint8Array): ResponseStep {
  return step(buf, responseLength, parseResponse);
}
