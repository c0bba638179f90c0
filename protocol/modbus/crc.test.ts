import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../core/index.ts';
import { crc16Modbus, hasValidCrc, withCrc } from './crc.ts';

describe('crc16Modbus', () => {
  it('gives the CRC-16/MODBUS check value 0x4B37 for "123456789"', () => {
    expect(crc16Modbus(new TextEncoder().encode('123456789'))).toBe(0x4b37);
  });

  it('matches the classic read-holding-registers example "01 03 00 00 00 0A C5 CD" (low byte first)', () => {
    expect(toHex(withCrc(fromHex('01 03 00 00 00 0A')), ' ')).toBe('01 03 00 00 00 0a c5 cd');
    expect(hasValidCrc(fromHex('01 03 00 00 00 0A C5 CD'))).toBe(true);
  });

  it('matches the specification example "11 03 00 6B 00 03 76 87"', () => {
    expect(crc16Modbus(fromHex('11 03 00 6B 00 03'))).toBe(0x8776);
  });

  it('rejects a frame with one flipped bit and frames too short to carry a CRC', () => {
    expect(hasValidCrc(fromHex('01 03 00 00 00 0B C5 CD'))).toBe(false);
    expect(hasValidCrc(fromHex('C5 CD'))).toBe(false);
  });
});
