import { describe, expect, it } from 'vitest';
import { encodeWiegand } from '../../../protocol/access/wiegand.ts';
import { fromHex } from '../../../protocol/core/index.ts';
import { credentialFromRaw, PinCollector } from './credentials.ts';

describe('OSDP RAW to credential', () => {
  it('Wiegand 26 and 34 give the canonical number', () => {
    const w26 = encodeWiegand('wiegand26', 12, 3456);
    expect(credentialFromRaw({ kind: 'raw', reader: 0, format: 1, ...w26 })).toEqual({ ok: true, credential: { kind: 'badge', number: '789888', raw: '26:0606c040', format: 'wiegand26' } });
    const w34 = encodeWiegand('wiegand34', 300, 1);
    expect(credentialFromRaw({ kind: 'raw', reader: 0, format: 1, ...w34 })).toMatchObject({ ok: true, credential: { number: String(300 * 65536 + 1), format: 'wiegand34' } });
  });

  it('other lengths pass as osdp-raw with the bits as a decimal number; empty reads are errors', () => {
    expect(credentialFromRaw({ kind: 'raw', reader: 0, format: 0, bitCount: 12, data: fromHex('abc0') })).toEqual({ ok: true, credential: { kind: 'badge', number: String(0xabc), raw: '12:abc0', format: 'osdp-raw' } });
    expect(credentialFromRaw({ kind: 'raw', reader: 0, format: 0, bitCount: 0, data: new Uint8Array(0) })).toMatchObject({ ok: false, code: 'OSDP_EMPTY_RAW' });
  });

  it('a parity error is reported with the Wiegand code', () => {
    expect(credentialFromRaw({ kind: 'raw', reader: 0, format: 1, bitCount: 26, data: fromHex('ffffffc0') })).toMatchObject({ ok: false, code: expect.stringMatching(/^WIEGAND_BAD_/) });
  });
});

describe('PinCollector', () => {
  it('ends a PIN on # or CR, clears on *, and forgets stale keys', () => {
    const p = new PinCollector(10_000);
    expect(p.add('12', 0)).toEqual([]);
    expect(p.add('34#', 1000)).toEqual(['1234']);
    expect(p.add('9*56\r', 2000)).toEqual(['56']);
    expect(p.add('77', 3000)).toEqual([]);
    expect(p.add('8#', 20_000)).toEqual(['8']);
    expect(p.add('#', 20_001)).toEqual([]);
  });
});
