import { describe, expect, it } from 'vitest';
import { LogRing } from './log-ring.ts';

describe('LogRing', () => {
  it('keeps the newest lines up to its capacity, newest last', () => {
    const ring = new LogRing(3);
    for (let i = 1; i <= 5; i++) ring.write(`{"n":${i}}\n`);
    expect(ring.size).toBe(3);
    expect(ring.tail(10)).toEqual(['{"n":3}', '{"n":4}', '{"n":5}']);
    expect(ring.tail(2)).toEqual(['{"n":4}', '{"n":5}']);
    expect(ring.tail(0)).toEqual([]);
  });

  it('returns what it has before it is full', () => {
    const ring = new LogRing(5);
    ring.write('a\n');
    ring.write('b\nc\n');
    expect(ring.tail(5)).toEqual(['a', 'b', 'c']);
  });

  it('cuts over-long lines and keeps only the newest lines that fit a size budget', () => {
    const ring = new LogRing(10, 8);
    ring.write('0123456789abc\n');
    ring.write('xy\n');
    expect(ring.tail(10)).toEqual(['01234567…', 'xy']);
    expect(ring.tail(10, 6)).toEqual(['xy']);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new LogRing(0)).toThrow(RangeError);
  });
});
