import type { ModbusRequest, ModbusResponse } from './types.ts';

/*
 * Named wire fixtures. Sources: the read-coils, read-inputs, write-coil and write-coils
 * examples of the Modbus Application Protocol specification, section 6, as complete RTU
 * frames (unit 0x11) in the widely used Simply Modbus walkthroughs; "01 05 0000 FF00 8C3A"
 * from many module manuals; exception frames cross-checked with pymodbus' computeCRC.
 * Registers (FC03, FC06, FC10): the specification's own examples of section 6.3, 6.6 and
 * 6.12 (registers 108-110 read as 022B 0000 0064; register 2 written with 0003; registers
 * 2-3 written with 000A 0102) framed for unit 0x11, CRCs from pymodbus' computeCRC; the
 * watchdog write is Wiren Board's "safe mode timeout" (holding register 8, seconds).
 */
export interface RequestFixture {
  readonly name: string;
  readonly hex: string;
  readonly unit: number;
  readonly pdu: ModbusRequest;
}

export interface ResponseFixture {
  readonly name: string;
  readonly hex: string;
  readonly unit: number;
  readonly pdu: ModbusResponse;
}

const bitsOf = (hexBytes: string, count: number): boolean[] => {
  const bytes = hexBytes.match(/../g)?.map((h) => parseInt(h, 16)) ?? [];
  return Array.from({ length: count }, (_, i) => (((bytes[i >> 3] ?? 0) >> (i & 7)) & 1) === 1);
};

export const requestFixtures: readonly RequestFixture[] = [
  { name: 'spec read coils 20-56 of unit 17', hex: '11 01 0013 0025 0E84', unit: 0x11, pdu: { fn: 'read-coils', start: 0x13, quantity: 0x25 } },
  { name: 'spec read inputs 10197-10218 of unit 17', hex: '11 02 00C4 0016 BAA9', unit: 0x11, pdu: { fn: 'read-discrete-inputs', start: 0xc4, quantity: 0x16 } },
  { name: 'spec write coil 173 on', hex: '11 05 00AC FF00 4E8B', unit: 0x11, pdu: { fn: 'write-single-coil', address: 0xac, value: true } },
  { name: 'module manual write coil 0 on', hex: '01 05 0000 FF00 8C3A', unit: 1, pdu: { fn: 'write-single-coil', address: 0, value: true } },
  { name: 'module manual write coil 0 off', hex: '01 05 0000 0000 CDCA', unit: 1, pdu: { fn: 'write-single-coil', address: 0, value: false } },
  { name: 'spec write 10 coils from 20', hex: '11 0F 0013 000A 02 CD01 BF0B', unit: 0x11, pdu: { fn: 'write-multiple-coils', start: 0x13, values: bitsOf('cd01', 10) } },
  { name: 'spec read holding registers 108-110', hex: '11 03 006B 0003 7687', unit: 0x11, pdu: { fn: 'read-holding-registers', start: 0x6b, quantity: 3 } },
  { name: 'spec write register 2 = 3', hex: '11 06 0001 0003 9A9B', unit: 0x11, pdu: { fn: 'write-single-register', address: 1, value: 3 } },
  { name: 'spec write registers 2-3 = 000A 0102', hex: '11 10 0001 0002 04 000A 0102 C6F0', unit: 0x11, pdu: { fn: 'write-multiple-registers', start: 1, values: [0x000a, 0x0102] } },
  { name: 'watchdog: holding register 8 = 1 s', hex: '01 06 0008 0001 C9C8', unit: 1, pdu: { fn: 'write-single-register', address: 8, value: 1 } },
];

export const responseFixtures: readonly ResponseFixture[] = [
  { name: 'spec read coils reply (5 bytes)', hex: '11 01 05 CD6BB20E1B 45E6', unit: 0x11, pdu: { fn: 'read-coils', bits: bitsOf('cd6bb20e1b', 40) } },
  { name: 'spec read inputs reply (3 bytes)', hex: '11 02 03 ACDB35 2018', unit: 0x11, pdu: { fn: 'read-discrete-inputs', bits: bitsOf('acdb35', 24) } },
  { name: 'spec write coil echo', hex: '11 05 00AC FF00 4E8B', unit: 0x11, pdu: { fn: 'write-single-coil', address: 0xac, value: true } },
  { name: 'spec write coils reply', hex: '11 0F 0013 000A 2699', unit: 0x11, pdu: { fn: 'write-multiple-coils', start: 0x13, quantity: 10 } },
  { name: 'exception: unit 10 read coils illegal data address', hex: '0A 81 02 B053', unit: 10, pdu: { fn: 'exception', functionCode: 1, exception: 2 } },
  { name: 'spec read holding registers reply', hex: '11 03 06 022B 0000 0064 C8BA', unit: 0x11, pdu: { fn: 'read-holding-registers', values: [0x022b, 0x0000, 0x0064] } },
  { name: 'spec write register echo', hex: '11 06 0001 0003 9A9B', unit: 0x11, pdu: { fn: 'write-single-register', address: 1, value: 3 } },
  { name: 'spec write registers reply', hex: '11 10 0001 0002 1298', unit: 0x11, pdu: { fn: 'write-multiple-registers', start: 1, quantity: 2 } },
  { name: 'watchdog read back: register 8 holds 1', hex: '01 03 02 0001 7984', unit: 1, pdu: { fn: 'read-holding-registers', values: [1] } },
  { name: 'exception: read holding register out of range', hex: '01 83 02 C0F1', unit: 1, pdu: { fn: 'exception', functionCode: 3, exception: 2 } },
];

/** Every exception code of the specification, as a reply to read-inputs from unit 1 (CRCs from pymodbus). */
export const exceptionFixtures: readonly { readonly exception: number; readonly name: string; readonly hex: string }[] = [
  { exception: 0x01, name: 'ILLEGAL_FUNCTION', hex: '01 82 01 8160' },
  { exception: 0x02, name: 'ILLEGAL_DATA_ADDRESS', hex: '01 82 02 C161' },
  { exception: 0x03, name: 'ILLEGAL_DATA_VALUE', hex: '01 82 03 00A1' },
  { exception: 0x04, name: 'SERVER_DEVICE_FAILURE', hex: '01 82 04 4163' },
  { exception: 0x05, name: 'ACKNOWLEDGE', hex: '01 82 05 80A3' },
  { exception: 0x06, name: 'SERVER_DEVICE_BUSY', hex: '01 82 06 C0A2' },
  { exception: 0x08, name: 'MEMORY_PARITY_ERROR', hex: '01 82 08 4166' },
  { exception: 0x0a, name: 'GATEWAY_PATH_UNAVAILABLE', hex: '01 82 0A C0A7' },
  { exception: 0x0b, name: 'GATEWAY_TARGET_FAILED_TO_RESPOND', hex: '01 82 0B 0167' },
];
