import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../platform/clock.ts';
import { silentLogger } from '../../../platform/log.ts';
import { MockTransport } from '../../transport/mock.ts';
import { LinkKeeper } from './link-keeper.ts';

/** A mock whose device is absent (every open fails) until `present` is set. */
class AbsentDevice extends MockTransport {
  present = false;
  attempts: number[] = [];

  constructor(private readonly clock: ManualClock) {
    super('absent');
  }

  override async open(): Promise<void> {
    this.attempts.push(this.clock.monotonic());
    if (!this.present) this.faults.failNextOpen = true;
    await super.open();
  }
}

const flush = () => new Promise((r) => setTimeout(r, 1));

async function advance(clock: ManualClock, ms: number, step = 50): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await flush();
  }
}

describe('LinkKeeper', () => {
  it('retries a failing open with doubling delays capped at the maximum, and reports each failure', async () => {
    const clock = new ManualClock();
    const transport = new AbsentDevice(clock);
    const downs: string[] = [];
    let ups = 0;
    const keeper = new LinkKeeper(transport, clock, silentLogger, { up: () => ups++, down: (e) => downs.push(e.code) }, { initialMs: 100, maxMs: 800 });
    await keeper.start();
    await advance(clock, 3000);
    expect(transport.attempts.slice(0, 7)).toEqual([0, 100, 300, 700, 1500, 2300, 3100].filter((t) => t <= 3000));
    expect(new Set(downs)).toEqual(new Set(['TRANSPORT_OPEN_FAILED']));
    expect(ups).toBe(0);
    transport.present = true;
    await advance(clock, 1000);
    expect(ups).toBe(1);
    expect(transport.isOpen).toBe(true);
    await keeper.stop();
  });

  it('starts again from the initial delay after a successful open', async () => {
    const clock = new ManualClock();
    const transport = new AbsentDevice(clock);
    transport.present = true;
    const keeper = new LinkKeeper(transport, clock, silentLogger, { up: () => undefined, down: () => undefined }, { initialMs: 100, maxMs: 800 });
    await keeper.start();
    transport.loseLink();
    await flush();
    const lostAt = clock.monotonic();
    await advance(clock, 200, 10);
    expect(transport.attempts.at(-1)).toBe(lostAt + 100);
    expect(transport.isOpen).toBe(true);
    await keeper.stop();
  });

  it('does not reopen after stop(), even when a retry was scheduled', async () => {
    const clock = new ManualClock();
    const transport = new AbsentDevice(clock);
    const keeper = new LinkKeeper(transport, clock, silentLogger, { up: () => undefined, down: () => undefined }, { initialMs: 100, maxMs: 800 });
    await keeper.start();
    await keeper.stop();
    transport.present = true;
    await advance(clock, 2000);
    expect(transport.attempts).toEqual([0]);
    expect(transport.isOpen).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
  });
});
