import type { ModbusRequest, ModbusResponse } from './types.ts';

/*
 * Named wire fixtures. Sources: the read-coils, read-inputs, write-coil and write-coils
 * examples of the Modbus Application Protocol specification, section 6, as complete RTU
 * frames (unit 0x11) in the widely used Simply Modbus walkthroughs; "01 05 0000 FF00 8C3A"
 * from many module manuals; exception frames cross-checked with pymodbus' computeCRC.
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
];

export const responseFixtures: readonly ResponseFixture[] = [
  { name: 'spec read coils reply (5 bytes)', hex: '11 01 05 CD6BB20E1B 45E6', unit: 0x11, pdu: { fn: 'read-coils', bits: bitsOf('cd6bb20e1b', 40) } },
  { name: 'spec read inputs reply (3 bytes)', hex: '11 02 03 ACDB35 2018', unit: 0x11, pdu: { fn: 'read-discrete-inputs', bits: bitsOf('acdb35', 24) } },
  { name: 'spec write coil echo', hex: '11 05 00AC FF00 4E8B', unit: 0x11, pdu: { fn: 'write-single-coil', address: 0xac, value: true } },
  { name: 'spec write coils reply', hex: '11 0F 0013 000A 2699', unit: 0x11, pdu: { fn: 'write-multiple-coils', start: 0x13, quantity: 10 } },
  { name: 'exception: unit 10 read coils illegal data address', hex: '0A 81 02 B053', unit: 10, pdu: { fn: 'exception', functionCode: 1, exception: 2 } },
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
