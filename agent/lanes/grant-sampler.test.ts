import { describe, expect, it } from 'vitest';
import { GrantSampler } from './grant-sampler.ts';

function explained(share: number, grants: number): number[] {
  const sampler = new GrantSampler(share);
  const picked: number[] = [];
  for (let i = 1; i <= grants; i++) {
    if (sampler.armed()) picked.push(i);
    sampler.granted();
  }
  return picked;
}

describe('GrantSampler', () => {
  it('explains exactly its share of grants, evenly spread', () => {
    expect(explained(0.25, 12)).toEqual([4, 8, 12]);
    expect(explained(0.1, 1000)).toHaveLength(100);
    expect(explained(0.01, 1000)).toHaveLength(10);
    expect(explained(1, 3)).toEqual([1, 2, 3]);
    expect(explained(0, 1000)).toEqual([]);
  });

  it('is only advanced by grants: refusals asked about in between change nothing', () => {
    const sampler = new GrantSampler(0.5);
    sampler.granted();
    expect([sampler.armed(), sampler.armed()]).toEqual([true, true]);
    sampler.granted();
    expect(sampler.armed()).toBe(false);
  });

  it('refuses a share outside 0..1', () => {
    expect(() => new GrantSampler(1.5)).toThrow(RangeError);
    expect(() => new GrantSampler(Number.NaN)).toThrow(RangeError);
  });
});
