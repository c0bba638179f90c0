import type { Clock } from '../../platform/clock.ts';
import type { FleetStore, PassRecord } from '../store/repositories.ts';

/** A decoded pass batch waiting for its commit. */
export interface QueuedBatch {
  readonly topic: string;
  readonly boxId: string;
  readonly batchId: string;
  readonly passes: readonly PassRecord[];
}

export type BatchOutcome = { readonly ok: true; readonly inserted: number; readonly duplicates: number } | { readonly ok: false; readonly code: 'INGEST_UNKNOWN_BOX' | 'INGEST_STORE_FAILED'; readonly message: string };

export interface GroupCommitOptions {
  /** A group is closed at this many passes; the rest waits for the next commit. */
  readonly maxGroupPasses?: number;
  /** Passes queued at most; past it, add() waits, and the bus's own bounded queue holds what comes next. */
  readonly maxQueuedPasses?: number;
}

const DEFAULT_MAX_GROUP = 4000;
const DEFAULT_MAX_QUEUED = 40_000;

/**
 * Group commit of pass batches, as the box's journal does it: batches that arrive while a
 * commit is running go together into the next one (one transaction, one multi-row insert),
 * so the commit rate adapts to the load and a lone batch waits for no timer. `settle` hears
 * each batch's outcome, in arrival order, only after its transaction committed: the ack may
 * leave then. A group that fails as a whole is retried batch by batch, so that one bad
 * batch is not acknowledged and the others are.
 */
export class PassGroupCommit {
  private queue: QueuedBatch[] = [];
  private queuedPasses = 0;
  private running: Promise<void> | undefined;
  private readonly room: (() => void)[] = [];
  private readonly maxGroup: number;
  private readonly maxQueued: number;

  constructor(
    private readonly store: FleetStore,
    private readonly clock: Clock,
    private readonly settle: (batch: QueuedBatch, outcome: BatchOutcome) => void,
    options: GroupCommitOptions = {},
  ) {
    this.maxGroup = options.maxGroupPasses ?? DEFAULT_MAX_GROUP;
    this.maxQueued = options.maxQueuedPasses ?? DEFAULT_MAX_QUEUED;
  }

  /** Queues a batch; resolves at once unless the queue is full (then once there is room). */
  async add(batch: QueuedBatch): Promise<void> {
    while (this.queuedPasses >= this.maxQueued) await new Promise<void>((resolve) => this.room.push(resolve));
    this.queue.push(batch);
    this.queuedPasses += batch.passes.length;
    // Deferred by one turn: the messages already read from the socket join the first group.
    this.running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
  }

  /** Resolves once every queued batch is committed (or failed) and settled. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) await this.commit(this.takeGroup());
    // In the same turn as the last check: a batch added from now on starts a new drain.
    this.running = undefined;
  }

  private takeGroup(): QueuedBatch[] {
    let n = 0;
    let k = 0;
    while (k < this.queue.length && (k === 0 || n + (this.queue[k] as QueuedBatch).passes.length <= this.maxGroup)) n += (this.queue[k++] as QueuedBatch).passes.length;
    const group = this.queue.splice(0, k);
    this.queuedPasses -= n;
    for (const wake of this.room.splice(0)) wake();
    return group;
  }

  private async commit(group: readonly QueuedBatch[]): Promise<void> {
    const receivedAt = this.clock.now();
    let outcomes: BatchOutcome[];
    try {
      outcomes = await this.store.transaction(async (tx) => {
        const known = await tx.boxes.existing([...new Set(group.map((b) => b.boxId))]);
        const stored = group.filter((b) => known.has(b.boxId));
        const counts = await tx.passes.insertGroup(stored, receivedAt);
        let k = 0;
        return group.map((b) => (known.has(b.boxId) ? { ok: true as const, ...(counts[k++] as { inserted: number; duplicates: number }) } : unknownBox));
      });
    } catch {
      outcomes = await this.oneByOne(group, receivedAt);
    }
    group.forEach((b, i) => this.settle(b, outcomes[i] as BatchOutcome));
  }

  /** After a failed group: each batch in its own transaction, so only the faulty ones fail. */
  private async oneByOne(group: readonly QueuedBatch[], receivedAt: number): Promise<BatchOutcome[]> {
    const out: BatchOutcome[] = [];
    for (const b of group) {
      try {
        if ((await this.store.boxes.existing([b.boxId])).size === 0) out.push(unknownBox);
        else out.push({ ok: true, ...(await this.store.passes.insertBatch(b.boxId, b.passes, receivedAt)) });
      } catch (e) {
        out.push({ ok: false, code: 'INGEST_STORE_FAILED', message: `store write failed: ${(e as Error).message}` });
      }
    }
    return out;
  }
}

const unknownBox: BatchOutcome = { ok: false, code: 'INGEST_UNKNOWN_BOX', message: 'message from a box the store does not know' };
