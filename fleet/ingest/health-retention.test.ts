import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { startHealthRetention } from './health-retention.ts';

describe('health retention job', () => {
  it('keeps raw samples for the raw window, then 15-minute averages, then nothing', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 0, 0, 0));
    const store = openSqliteStore(':memory:');
    await store.boxes.create({ id: 'box-a' }, clock.now());
    const t0 = clock.now();
    for (let i = 0; i < 4; i++) await store.health.insert('box-a', t0 + i * 5 * 60_000, { cpu: i });
    const job = startHealthRetention(store.health, clock, silentLogger, { rawMs: 3_600_000, bucketMs: 15 * 60_000, aggregateMs: 24 * 3_600_000, everyMs: 3_600_000 });
    // advance() fires the job; it has run once the turn is over (the store answers within it).
    const after = async (ms: number) => {
      clock.advance(ms);
      await new Promise((resolve) => setImmediate(resolve));
    };
    const points = async () => (await store.health.series('box-a', 'cpu', t0 - 1, t0 + 86_400_000 * 3)).map((p) => [p.at - t0, p.resolutionMs, p.value, p.samples]);
    await after(3_600_000); // first run: nothing is older than 1 h on a bucket boundary yet
    expect(await points()).toEqual([
      [0, 0, 0, 1],
      [300_000, 0, 1, 1],
      [600_000, 0, 2, 1],
      [900_000, 0, 3, 1],
    ]);
    await after(3_600_000);
    expect(await points()).toEqual([
      [0, 900_000, 1, 3],
      [900_000, 900_000, 3, 1],
    ]);
    await after(24 * 3_600_000);
    expect(await points()).toEqual([]);
    job.stop();
    await store.close();
  });
});
