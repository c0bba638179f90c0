import type { PrintJob, PrintJobState } from '../printer-port.ts';
import { nextJobState, type JobEvent } from './job-state.ts';
import type { JobStore } from './job-store.ts';

export interface QueueEntry {
  readonly job: PrintJob;
  state: PrintJobState;
  attempts: number;
}

/** How many finished job ids are remembered, so a retried enqueue does not print twice. */
const FINISHED_MEMORY = 500;

/**
 * The ordered print queue and the ids recently finished, kept in a JobStore. Loaded once,
 * before the first use (an enqueue may come before the driver starts). `save` throws
 * when the store fails; callers decide what that means.
 */
export class PrintQueue {
  private pending: QueueEntry[] = [];
  private finished = new Map<string, 'printed' | 'failed'>();
  private loaded = false;

  constructor(
    private readonly store: JobStore,
    private readonly onQuarantine: (path: string) => void,
  ) {}

  get size(): number {
    this.load();
    return this.pending.length;
  }

  head(): QueueEntry | undefined {
    this.load();
    return this.pending[0];
  }

  stateOf(jobId: string): PrintJobState | undefined {
    this.load();
    return this.pending.find((e) => e.job.jobId === jobId)?.state ?? this.finished.get(jobId);
  }

  /** Appends and saves; on a store failure the job is not kept and the error is thrown. */
  add(job: PrintJob): void {
    this.load();
    const entry: QueueEntry = { job, state: 'queued', attempts: 0 };
    this.pending.push(entry);
    try {
      this.save();
    } catch (e) {
      this.pending = this.pending.filter((q) => q !== entry);
      throw e;
    }
  }

  /** Applies `event` to `entry` (the transition table decides); a finished job leaves the queue. */
  apply(entry: QueueEntry, event: JobEvent): { next: PrintJobState; changed: boolean } {
    const next = nextJobState(entry.state, event);
    const changed = next !== entry.state;
    entry.state = next;
    if (event === 'send') entry.attempts++;
    if (next === 'printed' || next === 'failed') {
      this.pending = this.pending.filter((e) => e !== entry);
      this.finished.set(entry.job.jobId, next);
      if (this.finished.size > FINISHED_MEMORY) this.finished.delete(this.finished.keys().next().value as string);
    }
    return { next, changed };
  }

  save(): void {
    this.store.save({
      pending: this.pending.map((e) => ({ job: e.job, state: e.state, attempts: e.attempts })),
      finished: [...this.finished].map(([jobId, state]) => ({ jobId, state })),
    });
  }

  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    const snap = this.store.load();
    if (snap.quarantinedTo) this.onQuarantine(snap.quarantinedTo);
    this.pending = snap.pending.map((s) => ({ job: s.job, state: s.state, attempts: s.attempts }));
    for (const f of snap.finished) this.finished.set(f.jobId, f.state);
  }
}
