import type { Clock, TimerHandle } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { OnlineSigner } from './online-signer.ts';

/**
 * The periodic job that keeps the repository's online metadata fresh: every `everyMs`
 * (default hourly) the OnlineSigner re-signs the timestamp (and the snapshot) when due, so
 * boxes never find it expired (TUF's freeze protection) even if nobody publishes for
 * weeks. One job per fleet: with several fleet instances it must run as a singleton
 * (one instance at a time, e.g. under a PostgreSQL advisory lock); re-signing twice is
 * harmless but bumps versions for nothing.
 */
export class RepositoryResignJob {
  static readonly NAME = 'repository-resign';
  private timer: TimerHandle | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly signer: OnlineSigner,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly everyMs = 3_600_000,
  ) {}

  /** Runs once now (a fleet down for a day comes back with fresh metadata), then periodically. */
  start(): void {
    void this.runOnce();
    this.timer = this.clock.setInterval(() => void this.runOnce(), this.everyMs);
  }

  async stop(): Promise<void> {
    this.clock.clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass; a failure is logged (with its code) and retried at the next period. */
  runOnce(): Promise<('snapshot' | 'timestamp')[]> {
    const run = this.signer.resignIfDue().catch((e: unknown) => {
      this.logger.error({ job: RepositoryResignJob.NAME, err: e, code: (e as { code?: string }).code }, 'repository re-signing failed');
      return [] as ('snapshot' | 'timestamp')[];
    });
    this.running = run;
    return run;
  }
}
