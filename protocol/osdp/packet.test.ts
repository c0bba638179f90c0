import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../core/index.ts';
import { checksum8, crc16 } from './crc.ts';
import { decodePacket, encodePacket, MAX_PACKET_LENGTH, type OsdpPacket, type PacketStep } from './packet.ts';

/** Appends the CRC-16 (LE) to a hex packet body: for error fixtures that must fail later than the check. */
function withCrc(hex: string): Uint8Array {
  const body = fromHex(hex);
  const crc = crc16(body);
  return concatBytes(body, Uint8Array.of(crc & 0xff, crc >> 8));
}

const none = new Uint8Array(0);
/** Built by hand: mark, SOM, 0x81, length 8, CTRL = CRC | sequence 1, ACK; CRC-16 from crc.ts (checked against Annex E below). */
const MARKED_ACK = toHex(concatBytes(Uint8Array.of(0xff), withCrc('5381080005' + '40')));

/** Named fixtures: wire hex and the packet it carries. The first four are the SIA Annex E CRC/checksum examples. */
const FIXTURES: { name: string; hex: string; packet: OsdpPacket; mark?: boolean }[] = [
  { name: 'Annex E CRC example 1: broadcast COMSET address 0 at 9600', hex: '537f0d00046e00802500006e38', packet: { address: 0x7f, reply: false, sequence: 0, useCrc: true, code: 0x6e, data: fromHex('0080250000') } },
  { name: 'Annex E CRC example 2: ID to PD 0', hex: '53000900046100c066', packet: { address: 0, reply: false, sequence: 0, useCrc: true, code: 0x61, data: fromHex('00') } },
  { name: 'Annex E checksum example 1: broadcast COMSET', hex: '537f0c00006e00802500000f', packet: { address: 0x7f, reply: false, sequence: 0, useCrc: false, code: 0x6e, data: fromHex('0080250000') } },
  { name: 'Annex E checksum example 2: ID to PD 0', hex: '5300080000610044', packet: { address: 0, reply: false, sequence: 0, useCrc: false, code: 0x61, data: fromHex('00') } },
  { name: 'marked ACK reply from PD 1, sequence 1', hex: MARKED_ACK, packet: { address: 1, reply: true, sequence: 1, useCrc: true, code: 0x40, data: none }, mark: true },
  { name: 'CHLNG with security block SCS_11 (SCBK-D)', hex: toHex(withCrc('53011300 0e 03 11 00 76 b0b1b2b3b4b5b6b7'.replace(/ /g, ''))), packet: { address: 1, reply: false, sequence: 2, useCrc: true, securityBlock: { type: 0x11, data: fromHex('00') }, code: 0x76, data: fromHex('b0b1b2b3b4b5b6b7') } },
  { name: 'secured POLL SCS_15 with MAC', hex: toHex(withCrc('53020e000f 02 15 60 01020304'.replace(/ /g, ''))), packet: { address: 2, reply: false, sequence: 3, useCrc: true, securityBlock: { type: 0x15, data: none }, code: 0x60, data: none, mac: fromHex('01020304') } },
];

function frameOf(step: PacketStep) {
  if (step.kind !== 'frame') throw new Error(`expected a frame, got ${JSON.stringify(step)}`);
  return step.frame;
}

function stripDecoded(f: ReturnType<typeof frameOf>): OsdpPacket {
  const { marked: _m, macInput: _i, ...packet } = f;
  return packet;
}

describe('OSDP packet fixtures', () => {
  for (const f of FIXTURES) {
    it(`decodes: ${f.name}`, () => {
      const bytes = fromHex(f.hex);
      const step = decodePacket(bytes);
      expect(step.kind === 'frame' && step.consumed).toBe(bytes.length);
      expect(stripDecoded(frameOf(step))).toEqual(f.packet);
      expect(frameOf(step).marked).toBe(f.mark ?? false);
    });
    it(`encodes: ${f.name}`, () => {
      expect(toHex(encodePacket(f.packet, { mark: f.mark ?? false }))).toBe(f.hex);
    });
    it(`round-trips: ${f.name}`, () => {
      expect(stripDecoded(frameOf(decodePacket(encodePacket(f.packet, { mark: f.mark ?? false }))))).toEqual(f.packet);
    });
  }

  it('the Annex E check values are those of crc.ts', () => {
    expect(crc16(fromHex('537f0d00046e0080250000'))).toBe(0x386e);
    expect(crc16(fromHex('53000900046100'))).toBe(0x66c0);
    expect(checksum8(fromHex('537f0c00006e0080250000'))).toBe(0x0f);
    expect(checksum8(fromHex('53000800006100'))).toBe(0x44);
  });

  it('macInput covers SOM through the data, without the MAC', () => {
    const f = frameOf(decodePacket(fromHex(FIXTURES[6]!.hex)));
    expect(toHex(f.macInput)).toBe('53020e000f021560');
  });
});

describe('OSDP packet errors', () => {
  const ERRORS: { name: string; bytes: Uint8Array; code: string; skip: number }[] = [
    { name: 'garbage before the SOM', bytes: fromHex('0102ff53000900046100c066'), code: 'OSDP_NO_SOM', skip: 2 },
    { name: 'no SOM at all', bytes: fromHex('010203'), code: 'OSDP_NO_SOM', skip: 3 },
    { name: 'length below the minimum', bytes: fromHex('5300030004'), code: 'OSDP_BAD_LENGTH', skip: 1 },
    { name: 'length above the maximum', bytes: Uint8Array.of(0x53, 0, (MAX_PACKET_LENGTH + 1) & 0xff, (MAX_PACKET_LENGTH + 1) >> 8, 4), code: 'OSDP_BAD_LENGTH', skip: 1 },
    { name: 'bad CRC', bytes: fromHex('53000900046100c067'), code: 'OSDP_BAD_CRC', skip: 1 },
    { name: 'bad checksum', bytes: fromHex('53000800006100' + '45'), code: 'OSDP_BAD_CHECKSUM', skip: 1 },
    { name: 'security block length 1', bytes: withCrc('530009000c0160'), code: 'OSDP_BAD_SECURITY_BLOCK', skip: 1 },
    { name: 'security block longer than the packet', bytes: withCrc('530009000c0960'), code: 'OSDP_BAD_SECURITY_BLOCK', skip: 1 },
    { name: 'MAC block with no room for MAC and code', bytes: withCrc('53000a000c021560'), code: 'OSDP_BAD_LENGTH', skip: 1 },
    { name: 'bad CRC after a mark byte', bytes: fromHex('ff53000900046100c067'), code: 'OSDP_BAD_CRC', skip: 2 },
  ];
  for (const e of ERRORS) {
    it(`${e.code}: ${e.name}`, () => {
      const step = decodePacket(e.bytes);
      expect(step).toMatchObject({ kind: 'bad', code: e.code, skip: e.skip });
    });
  }

  it('waits for more on a partial header, a lone mark, or an empty buffer', () => {
    expect(decodePacket(new Uint8Array(0)).kind).toBe('need-more');
    expect(decodePacket(fromHex('ff')).kind).toBe('need-more');
    expect(decodePacket(fromHex('ff5300')).kind).toBe('need-more');
  });

  it('re-syncs on the next SOM after a corrupt packet', () => {
    const stream = concatBytes(fromHex('53000900046100c067'), fromHex(FIXTURES[1]!.hex));
    expect(decodeAll(stream).frames.map((f) => f.code)).toEqual([0x61]);
  });

  it('encode refuses values it could never put on the wire', () => {
    expect(() => encodePacket({ address: 0x80, reply: false, sequence: 0, useCrc: true, code: 0x60, data: none })).toThrow(RangeError);
    expect(() => encodePacket({ address: 1, reply: false, sequence: 0, useCrc: true, securityBlock: { type: 0x15, data: none }, code: 0x60, data: none })).toThrow(RangeError);
    expect(() => encodePacket({ address: 1, reply: false, sequence: 0, useCrc: true, code: 0x60, data: new Uint8Array(MAX_PACKET_LENGTH) })).toThrow(RangeError);
  });
});

/** What a stream reader does: decode, drop `consumed`/`skip`, repeat. Bounded so a bug cannot hang the test. */
function decodeAll(input: Uint8Array): { frames: OsdpPacket[]; errors: string[]; rest: number } {
  let buf = input;
  const frames: OsdpPacket[] = [];
  const errors: string[] = [];
  for (let guard = 0; guard <= input.length + 1; guard++) {
    const step = decodePacket(buf);
    if (step.kind === 'need-more') return { frames, errors, rest: buf.length };
    if (step.kind === 'frame') {
      frames.push(step.frame);
      buf = buf.subarray(step.consumed);
    } else {
      if (step.skip < 1) throw new Error('decoder asked to skip nothing');
      errors.push(step.code);
      buf = buf.subarray(step.skip);
    }
  }
  throw new Error('decoder did not make progress');
}

describe('OSDP packet stream', () => {
  const stream = concatBytes(...FIXTURES.map((f) => fromHex(f.hex)));

  it('decodes every fixture from one buffer', () => {
    const r = decodeAll(stream);
    expect(r.frames.map((f) => f.code)).toEqual(FIXTURES.map((f) => f.packet.code));
    expect(r.errors).toEqual([]);
  });

  it('decodes the same frames when the stream is split at every byte boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      // The reader holds a buffer: it appends each chunk and decodes what is complete.
      let held: Uint8Array = new Uint8Array(0);
      const codes: number[] = [];
      for (const chunk of [stream.subarray(0, cut), stream.subarray(cut)]) {
        held = concatBytes(held, chunk);
        const r = decodeAll(held);
        codes.push(...r.frames.map((f) => f.code));
        expect(r.errors).toEqual([]);
        held = held.subarray(held.length - r.rest);
      }
      expect(codes).toEqual(FIXTURES.map((f) => f.packet.code));
    }
  });

  it('decodes the same frames when the stream arrives one byte at a time', () => {
    let held: Uint8Array = new Uint8Array(0);
    const codes: number[] = [];
    for (let i = 0; i < stream.length; i++) {
      held = concatBytes(held, stream.subarray(i, i + 1));
      const r = decodeAll(held);
      expect(r.errors).toEqual([]);
      codes.push(...r.frames.map((f) => f.code));
      held = held.subarray(held.length - r.rest);
    }
    expect(codes).toEqual(FIXTURES.map((f) => f.packet.code));
  });

  it('property: random bytes never throw and always make progress', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        decodeAll(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: random bytes around a valid packet never hide it', () => {
    const packet = fromHex(FIXTURES[1]!.hex);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }).map((b) => b.map((x) => (x === 0x53 ? 0 : x))), (noise) => {
        const r = decodeAll(concatBytes(noise, packet));
        expect(r.frames.map((f) => f.code)).toEqual([0x61]);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: any encodable packet round-trips', () => {
    fc.assert(
      fc.property(
        fc.record({
          address: fc.integer({ min: 0, max: 0x7f }),
          reply: fc.boolean(),
          sequence: fc.integer({ min: 0, max: 3 }),
          useCrc: fc.boolean(),
          code: fc.integer({ min: 0, max: 255 }),
          data: fc.uint8Array({ maxLength: 100 }),
        }),
        fc.boolean(),
        (p, mark) => {
          expect(stripDecoded(frameOf(decodePacket(encodePacket(p, { mark }))))).toEqual(p);
        },
      ),
    );
  });
});
