import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LayeredMap } from './layered-map.ts';

describe('LayeredMap', () => {
  it('behaves like a copied Map through any sequence of updates (property)', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    const step = fc.record({ deletes: fc.array(key, { maxLength: 3 }), sets: fc.array(fc.tuple(key, fc.integer()), { maxLength: 3 }) });
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.integer()), { maxLength: 5 }), fc.array(step, { maxLength: 8 }), (initial, steps) => {
        let layered = LayeredMap.of(new Map(initial));
        let plain = new Map(initial);
        for (const s of steps) {
          const before = layered;
          const frozen = [...before.entries()].sort();
          layered = layered.update(s.deletes, s.sets);
          plain = new Map(plain);
          for (const k of s.deletes) plain.delete(k);
          for (const [k, v] of s.sets) plain.set(k, v);
          expect([...before.entries()].sort()).toEqual(frozen); // older versions never change
          expect(layered.size).toBe(plain.size);
          expect([...layered.entries()].sort()).toEqual([...plain.entries()].sort());
          for (const k of ['a', 'b', 'c', 'd', 'e'] as const) expect(layered.get(k)).toBe(plain.get(k));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('flattens a large overlay into a new base', () => {
    let m = LayeredMap.of(new Map([['x', 0]]));
    for (let i = 0; i < 3000; i++) m = m.update([], [[`k${i}`, i]]);
    expect(m.size).toBe(3001);
    expect(m.get('k2999')).toBe(2999);
    expect(m.get('x')).toBe(0);
  });
});
