import type { Clock, TimerHandle } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { HealthRepository } from '../store/repositories.ts';

export interface HealthRetention {
  /** Raw samples are kept this long, then folded into averages (default 48 h). */
  readonly rawMs: number;
  /** Width of an average (default 15 min). */
  readonly bucketMs: number;
  /** Averages are kept this long (default 90 days). */
  readonly aggregateMs: number;
  /** How often the job runs (default hourly). */
  readonly everyMs: number;
}

export const defaultHealthRetention: HealthRetention = { rawMs: 48 * 3_600_000, bucketMs: 15 * 60_000, aggregateMs: 90 * 86_400_000, everyMs: 3_600_000 };

/** One pass of the job: fold old raw samples (on bucket boundaries), prune old averages. */
export async function runHealthRetention(health: HealthRepository, now: number, r: HealthRetention): Promise<{ folded: number; deleted: number }> {
  const rawBefore = Math.floor((now - r.rawMs) / r.bucketMs) * r.bucketMs;
  const { folded } = await health.downsample(rawBefore, r.bucketMs);
  const { deleted } = await health.prune(now - r.aggregateMs);
  return { folded, deleted };
}

export function startHealthRetention(health: HealthRepository, clock: Clock, logger: Logger, r: HealthRetention = defaultHealthRetention): { stop(): void } {
  const timer: TimerHandle = clock.setInterval(() => {
    runHealthRetention(health, clock.now(), r).then(
      (out) => (out.folded || out.deleted) && logger.info(out, 'health retention'),
      (e: unknown) => logger.error({ err: e, code: 'INGEST_STORE_FAILED' }, 'health retention failed'),
    );
  }, r.everyMs);
  return { stop: () => clock.clearInterval(timer) };
}
