import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRequest, decodeResponse } from './decode.ts';
import { encodeRequest, encodeResponse } from './encode.ts';
import { RtuStream } from './stream.ts';
import type { ModbusRequest, ModbusResponse } from './types.ts';

const u16 = fc.integer({ min: 0, max: 0xffff });
const unit = fc.integer({ min: 1, max: 247 });
const request: fc.Arbitrary<ModbusRequest> = fc.oneof(
  fc.record({ fn: fc.constant('read-coils' as const), start: fc.integer({ min: 0, max: 60000 }), quantity: fc.integer({ min: 1, max: 2000 }) }),
  fc.record({ fn: fc.constant('read-discrete-inputs' as const), start: fc.integer({ min: 0, max: 60000 }), quantity: fc.integer({ min: 1, max: 2000 }) }),
  fc.record({ fn: fc.constant('write-single-coil' as const), address: u16, value: fc.boolean() }),
  fc.record({ fn: fc.constant('write-multiple-coils' as const), start: fc.integer({ min: 0, max: 60000 }), values: fc.array(fc.boolean(), { minLength: 1, maxLength: 1968 }) }),
  fc.record({ fn: fc.constant('read-holding-registers' as const), start: fc.integer({ min: 0, max: 60000 }), quantity: fc.integer({ min: 1, max: 125 }) }),
  fc.record({ fn: fc.constant('write-single-register' as const), address: u16, value: u16 }),
  fc.record({ fn: fc.constant('write-multiple-registers' as const), start: fc.integer({ min: 0, max: 60000 }), values: fc.array(u16, { minLength: 1, maxLength: 123 }) }),
);
const response: fc.Arbitrary<ModbusResponse> = fc.oneof(
  fc.integer({ min: 1, max: 250 }).chain((n) => fc.record({ fn: fc.constantFrom('read-coils' as const, 'read-discrete-inputs' as const), bits: fc.array(fc.boolean(), { minLength: n * 8, maxLength: n * 8 }) })),
  fc.record({ fn: fc.constant('write-single-coil' as const), address: u16, value: fc.boolean() }),
  fc.record({ fn: fc.constant('write-multiple-coils' as const), start: u16, quantity: fc.integer({ min: 1, max: 1968 }) }),
  fc.record({ fn: fc.constant('read-holding-registers' as const), values: fc.array(u16, { minLength: 1, maxLength: 125 }) }),
  fc.record({ fn: fc.constant('write-single-register' as const), address: u16, value: u16 }),
  fc.record({ fn: fc.constant('write-multiple-registers' as const), start: u16, quantity: fc.integer({ min: 1, max: 123 }) }),
  fc.record({ fn: fc.constant('exception' as const), functionCode: fc.integer({ min: 1, max: 0x7f }), exception: fc.integer({ min: 0, max: 255 }) }),
);

describe('codec properties', () => {
  it('random bytes in random chunks never throw and never loop: every byte ends up framed, rejected or buffered', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        for (const decode of [decodeRequest, decodeResponse]) {
          const stream = new RtuStream<unknown>(decode as (b: Uint8Array) => ReturnType<typeof decodeRequest>);
          let total = 0;
          for (const c of chunks) {
            stream.push(c);
            total += c.length;
          }
          expect(stream.buffered).toBeLessThanOrEqual(total);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('requests survive encode then decode', () => {
    fc.assert(
      fc.property(unit, request, (u, req) => {
        const e = encodeRequest(u, req);
        expect(e.ok).toBe(true);
        const s = decodeRequest(e.ok ? e.value : new Uint8Array());
        expect(s).toEqual({ kind: 'frame', frame: { unit: u, pdu: req }, consumed: e.ok ? e.value.length : -1 });
      }),
    );
  });

  it('responses survive encode then decode', () => {
    fc.assert(
      fc.property(unit, response, (u, res) => {
        const e = encodeResponse(u, res);
        expect(e.ok).toBe(true);
        const s = decodeResponse(e.ok ? e.value : new Uint8Array());
        expect(s.kind === 'frame' && s.frame).toEqual({ unit: u, pdu: res });
      }),
    );
  });

  it('re-syncs: after random noise, the next valid reply is found at once', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), unit, response, (noise, u, res) => {
        const e = encodeResponse(u, res);
        if (!e.ok) return;
        const stream = new RtuStream(decodeResponse);
        stream.push(noise);
        // Noise can announce a frame of up to 255 bytes; the look-ahead must not wait for it.
        const found = stream.push(e.value).frames;
        expect(found.some((f) => f.unit === u && JSON.stringify(f.pdu) === JSON.stringify(res))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
