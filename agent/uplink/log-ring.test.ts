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

  it('holds at most its character budget: the oldest lines go first, the ring keeps its order', () => {
    const ring = new LogRing(100, 8, 20);
    for (let i = 1; i <= 9; i++) ring.write(`line-${i}\n`);
    // 6 chars a line: three fit in 20.
    expect(ring.size).toBe(3);
    expect(ring.tail(100)).toEqual(['line-7', 'line-8', 'line-9']);
    ring.write('0123456789abc\n');
    // The cut line is 9 chars: 6 + 6 + 9 > 20, so line-8 goes too.
    expect(ring.tail(100)).toEqual(['line-9', '01234567…']);
  });

  it('wraps around its capacity many times and still returns the newest lines in order', () => {
    const ring = new LogRing(4, 100, 1000);
    for (let i = 1; i <= 103; i++) ring.write(`${i}\n`);
    expect(ring.tail(10)).toEqual(['100', '101', '102', '103']);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new LogRing(0)).toThrow(RangeError);
    expect(() => new LogRing(10, 100, 50)).toThrow(RangeError);
  });
});
