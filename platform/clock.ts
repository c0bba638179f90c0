/**
 * Time, injected (house rule 9). Production code takes a Clock; tests pass a ManualClock
 * and advance it instead of sleeping.
 */
export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Wall-clock time, epoch milliseconds (journal timestamps, expiries, opening hours). */
  now(): number;
  /** Monotonic milliseconds with sub-ms resolution (latencies, timeouts). Never goes back. */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle | undefined): void;
}

let nextId = 1;

export function createSystemClock(): Clock {
  const timers = new Map<number, NodeJS.Timeout>();
  return {
    now: () => Date.now(),
    monotonic: () => performance.now(),
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(
        id,
        setTimeout(() => {
          timers.delete(id);
          fn();
        }, ms),
      );
      return { id };
    },
    clearTimeout(handle) {
      if (!handle) return;
      const t = timers.get(handle.id);
      if (t) clearTimeout(t);
      timers.delete(handle.id);
    },
    setInterval(fn, ms) {
      const id = nextId++;
      timers.set(id, setInterval(fn, ms));
      return { id };
    },
    clearInterval(handle) {
      if (!handle) return;
      const t = timers.get(handle.id);
      if (t) clearInterval(t);
      timers.delete(handle.id);
    },
  };
}

export const systemClock: Clock = createSystemClock();

interface ManualTimer {
  id: number;
  at: number;
  every: number | null;
  fn: () => void;
}

/**
 * A deterministic clock for tests: time moves only when `advance()` is called, and due
 * timers fire in order of their due time (then creation order).
 */
export class ManualClock implements Clock {
  private wall: number;
  private mono = 0;
  private timers: ManualTimer[] = [];

  constructor(startEpochMs = Date.UTC(2026, 0, 5, 9, 0, 0)) {
    this.wall = startEpochMs;
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  /** Moves wall time only (a clock jump, e.g. NTP correction); timers are not affected. */
  setWall(epochMs: number): void {
    this.wall = epochMs;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t = { id: nextId++, at: this.mono + Math.max(0, ms), every: null, fn };
    this.timers.push(t);
    return { id: t.id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.timers = this.timers.filter((t) => t.id !== handle.id);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const every = Math.max(1, ms);
    const t = { id: nextId++, at: this.mono + every, every, fn };
    this.timers.push(t);
    return { id: t.id };
  }

  clearInterval(handle: TimerHandle | undefined): void {
    this.clearTimeout(handle);
  }

  pendingTimers(): number {
    return this.timers.length;
  }

  /** Advances time by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const target = this.mono + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.timers) if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      if (!next) break;
      this.wall += next.at - this.mono;
      this.mono = next.at;
      if (next.every !== null) next.at += next.every;
      else this.timers = this.timers.filter((t) => t !== next);
      next.fn();
    }
    this.wall += target - this.mono;
    this.mono = target;
  }

  /** Advances time, yielding to the event loop between timer firings so promise chains run. */
  async advanceAsync(ms: number, stepMs = 1): Promise<void> {
    let left = ms;
    while (left > 0) {
      const step = Math.min(stepMs, left);
      this.advance(step);
      left -= step;
      await new Promise<void>((r) => setImmediate(r));
    }
  }
}
