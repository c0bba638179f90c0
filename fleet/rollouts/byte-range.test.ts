import { describe, expect, it } from 'vitest';
import { parseRange } from './byte-range.ts';

describe('Range header', () => {
  const cases: [string | undefined, number, ReturnType<typeof parseRange>][] = [
    [undefined, 100, { kind: 'full' }],
    ['bytes=0-', 100, { kind: 'partial', start: 0, end: 99 }],
    ['bytes=40-', 100, { kind: 'partial', start: 40, end: 99 }],
    ['bytes=99-', 100, { kind: 'partial', start: 99, end: 99 }],
    ['bytes=100-', 100, { kind: 'unsatisfiable' }],
    ['bytes=10-19', 100, { kind: 'partial', start: 10, end: 19 }],
    ['bytes=10-1000', 100, { kind: 'partial', start: 10, end: 99 }],
    ['bytes=-10', 100, { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-1000', 100, { kind: 'partial', start: 0, end: 99 }],
    ['bytes=-0', 100, { kind: 'unsatisfiable' }],
    ['bytes=20-10', 100, { kind: 'full' }],
    ['bytes=0-1,5-6', 100, { kind: 'full' }],
    ['items=0-1', 100, { kind: 'full' }],
    ['bytes=-', 100, { kind: 'full' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
  ];
  for (const [header, size, expected] of cases) {
    it(`${String(header)} of ${size} bytes`, () => expect(parseRange(header, size)).toEqual(expected));
  }
});
