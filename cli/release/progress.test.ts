import { describe, expect, it } from 'vitest';
import { formatBytes, ProgressReporter, progressLine } from './progress.ts';

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, sink: { isTTY, write: (t: string) => void out.push(t) } };
}

describe('CLI progress', () => {
  it('shows bytes, percentage, rate and time left', () => {
    expect(progressLine('upload', 5 * 1024 * 1024, 20 * 1024 * 1024, 2000).text).toBe('upload [######..................]  25% 5.0 MiB / 20.0 MiB  2.5 MiB/s  ETA 6 s');
    expect(progressLine('upload', 0, 10, 0).text).toContain('ETA --');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });

  it('redraws one line on a terminal, prints a plain line every 10 % otherwise, nothing when quiet', () => {
    let t = 0;
    const now = () => t;
    const tty = sink(true);
    const plain = sink(false);
    const quiet = sink(false);
    const bars = [new ProgressReporter('x', tty.sink, now), new ProgressReporter('x', plain.sink, now), new ProgressReporter('x', quiet.sink, now, true)];
    for (let done = 0; done <= 100; done += 5) {
      t += 200;
      for (const b of bars) b.update(done, 100);
    }
    for (const b of bars) b.done();
    expect(tty.out.every((l) => l.startsWith('\r') || l === '\n')).toBe(true);
    expect(tty.out.at(-2)).toContain('100%');
    expect(plain.out).toHaveLength(11);
    expect(plain.out.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
    expect(quiet.out).toEqual([]);
  });
});
