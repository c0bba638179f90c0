import type { Logger } from '../../platform/log.ts';
import type { Leadership } from './leadership.ts';

/** Work that must run on one fleet instance at a time. */
export interface SingletonJob {
  readonly name: string;
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

/**
 * Starts the jobs on this instance while it holds the leadership and stops them when it
 * loses it. Changes are applied one after the other, so a quick lose-and-regain never
 * leaves a job started twice.
 */
export function runSingletons(leadership: Leadership, jobs: readonly SingletonJob[], logger: Logger): { settled(): Promise<void>; stop(): Promise<void> } {
  let running = false;
  let chain: Promise<void> = Promise.resolve();
  const apply = (want: boolean) => {
    chain = chain.then(async () => {
      if (want === running) return;
      running = want;
      for (const job of want ? jobs : [...jobs].reverse()) {
        try {
          await (want ? job.start() : job.stop());
        } catch (e) {
          logger.error({ err: e, job: job.name, code: 'CLUSTER_JOB_FAILED' }, `singleton job failed to ${want ? 'start' : 'stop'}`);
        }
      }
      logger.info({ jobs: jobs.map((j) => j.name), code: want ? 'CLUSTER_JOBS_STARTED' : 'CLUSTER_JOBS_STOPPED' }, want ? 'singleton jobs started here' : 'singleton jobs stopped here');
    });
  };
  let stopped = false;
  leadership.onChange((leader) => !stopped && apply(leader));
  return {
    /** Resolves once the jobs are started or stopped as the leadership last said (a lone fleet: started). */
    settled: () => chain,
    async stop() {
      stopped = true;
      apply(false);
      await chain;
    },
  };
}
