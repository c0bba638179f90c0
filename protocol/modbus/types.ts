import type { CodedError } from '../core/index.ts';

/** The function codes this codec gives typed values for (Modbus Application Protocol v1.1b3, section 6). */
export const FunctionCode = {
  ReadCoils: 0x01,
  ReadDiscreteInputs: 0x02,
  ReadHoldingRegisters: 0x03,
  WriteSingleCoil: 0x05,
  WriteSingleRegister: 0x06,
  WriteMultipleCoils: 0x0f,
  WriteMultipleRegisters: 0x10,
} as const;

/** Bit 7 of the function code marks an exception reply. */
export const EXCEPTION_FLAG = 0x80;

/** Exception codes of the specification (section 7); a reply may carry others, kept as numbers. */
export const ExceptionCode = {
  IllegalFunction: 0x01,
  IllegalDataAddress: 0x02,
  IllegalDataValue: 0x03,
  ServerDeviceFailure: 0x04,
  Acknowledge: 0x05,
  ServerDeviceBusy: 0x06,
  MemoryParityError: 0x08,
  GatewayPathUnavailable: 0x0a,
  GatewayTargetFailedToRespond: 0x0b,
} as const;
export type ExceptionCode = (typeof ExceptionCode)[keyof typeof ExceptionCode];

export const EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  0x01: 'ILLEGAL_FUNCTION',
  0x02: 'ILLEGAL_DATA_ADDRESS',
  0x03: 'ILLEGAL_DATA_VALUE',
  0x04: 'SERVER_DEVICE_FAILURE',
  0x05: 'ACKNOWLEDGE',
  0x06: 'SERVER_DEVICE_BUSY',
  0x08: 'MEMORY_PARITY_ERROR',
  0x0a: 'GATEWAY_PATH_UNAVAILABLE',
  0x0b: 'GATEWAY_TARGET_FAILED_TO_RESPOND',
};

/** Quantity limits of the specification: 2000 bits per read (250 data bytes), 1968 coils per FC0F, 125 registers per FC03, 123 per FC10. */
export const MAX_READ_BITS = 2000;
export const MAX_WRITE_COILS = 1968;
export const MAX_READ_REGISTERS = 125;
export const MAX_WRITE_REGISTERS = 123;
/** Unit 0 is broadcast (requests only, never answered); 248-255 are reserved. */
export const MAX_UNIT = 247;

export type ModbusRequest =
  | { readonly fn: 'read-coils'; readonly start: number; readonly quantity: number }
  | { readonly fn: 'read-discrete-inputs'; readonly start: number; readonly quantity: number }
  | { readonly fn: 'write-single-coil'; readonly address: number; readonly value: boolean }
  | { readonly fn: 'write-multiple-coils'; readonly start: number; readonly values: readonly boolean[] }
  | { readonly fn: 'read-holding-registers'; readonly start: number; readonly quantity: number }
  /** `value` is an unsigned 16-bit register value. */
  | { readonly fn: 'write-single-register'; readonly address: number; readonly value: number }
  | { readonly fn: 'write-multiple-registers'; readonly start: number; readonly values: readonly number[] }
  /**
   * A request framed with a valid CRC that a server must answer with `exception`:
   * a function this codec does not implement (ILLEGAL_FUNCTION) or a bad quantity/value
   * (ILLEGAL_DATA_VALUE). Only the decoder produces it.
   */
  | { readonly fn: 'illegal'; readonly functionCode: number; readonly exception: ExceptionCode; readonly reason: string };

export type ModbusResponse =
  /** `bits` holds every bit of the data bytes (a multiple of 8); the master trims to its quantity. */
  | { readonly fn: 'read-coils'; readonly bits: readonly boolean[] }
  | { readonly fn: 'read-discrete-inputs'; readonly bits: readonly boolean[] }
  | { readonly fn: 'write-single-coil'; readonly address: number; readonly value: boolean }
  | { readonly fn: 'write-multiple-coils'; readonly start: number; readonly quantity: number }
  | { readonly fn: 'read-holding-registers'; readonly values: readonly number[] }
  | { readonly fn: 'write-single-register'; readonly address: number; readonly value: number }
  | { readonly fn: 'write-multiple-registers'; readonly start: number; readonly quantity: number }
  /** `functionCode` without the exception flag; `exception` may be a code outside the specification's list. */
  | { readonly fn: 'exception'; readonly functionCode: number; readonly exception: number };

export interface RtuFrame<P> {
  /** The server (slave) address: 1-247, 0 = broadcast. */
  readonly unit: number;
  readonly pdu: P;
}

export type ModbusCodecErrorCode =
  /** The two last bytes are not the CRC of the frame: noise, or not a frame start (re-sync one byte on). */
  | 'MODBUS_BAD_CRC'
  /** A function code whose frame length this codec cannot tell: cannot be framed, re-sync one byte on. */
  | 'MODBUS_UNKNOWN_FUNCTION'
  /** A byte count that no valid frame carries. */
  | 'MODBUS_BAD_LENGTH'
  /** A well-framed reply whose content breaks the specification (e.g. a coil value other than FF00/0000). */
  | 'MODBUS_BAD_VALUE'
  /** Encoding: a unit, address, quantity or value out of range. */
  | 'MODBUS_BAD_ARGUMENT';

export type ModbusCodecError = CodedError<ModbusCodecErrorCode>;

export function functionCodeOf(fn: Exclude<ModbusRequest['fn'], 'illegal'>): number {
  switch (fn) {
    case 'read-coils':
      return FunctionCode.ReadCoils;
    case 'read-discrete-inputs':
      return FunctionCode.ReadDiscreteInputs;
    case 'write-single-coil':
      return FunctionCode.WriteSingleCoil;
    case 'write-multiple-coils':
      return FunctionCode.WriteMultipleCoils;
    case 'read-holding-registers':
      return FunctionCode.ReadHoldingRegisters;
    case 'write-single-register':
      return FunctionCode.WriteSingleRegister;
    case 'write-multiple-registers':
      return FunctionCode.WriteMultipleRegisters;
  }
}
