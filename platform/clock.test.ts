import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';

describe('ManualClock', () => {
  it('fires timers in due order while advancing, and moves wall and monotonic time together', () => {
    const clock = new ManualClock(1_000_000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.monotonic()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.monotonic()}`), 10);
    const cancelled = clock.setTimeout(() => fired.push('never'), 15);
    clock.clearTimeout(cancelled);
    clock.advance(25);
    expect(fired).toEqual(['a@10', 'b@20']);
    expect(clock.monotonic()).toBe(25);
    expect(clock.now()).toBe(1_000_025);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('repeats intervals until cleared', () => {
    const clock = new ManualClock();
    let n = 0;
    const h = clock.setInterval(() => n++, 10);
    clock.advance(35);
    expect(n).toBe(3);
    clock.clearInterval(h);
    clock.advance(100);
    expect(n).toBe(3);
  });
});
