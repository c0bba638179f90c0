import type { Clock, TimerHandle } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { encode, MAX_PASSES_PER_BATCH, type Pass, type PassAck } from '../../protocol/mqtt/index.ts';

/** What the outbox needs of the pass journal (agent/journal/pass-journal.ts). */
export interface OutboxJournal {
  /** Rows strictly after `afterSeq` (never at or before the acknowledged cursor), in seq order. */
  readUnsent(limit: number, afterSeq?: number): Pass[];
  /** The fleet stored everything up to `seq`: moves the cursor (never backwards). */
  ack(seq: number): void;
  stats(): { readonly lastSeq: number; readonly ackedSeq: number };
}

export interface OutboxOptions {
  readonly journal: OutboxJournal;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Publishes one encoded batch on `passes`; false when offline. */
  readonly publish: (payload: Uint8Array) => boolean;
  readonly batchSize?: number;
  /** Unacknowledged batches allowed on the wire at once. */
  readonly maxInFlight?: number;
  /** A batch not acknowledged within this time is sent again from the cursor. */
  readonly ackTimeoutMs?: number;
  /** How often an idle outbox looks for newly journaled passes. */
  readonly pollMs?: number;
  /**
   * Acks are written to the journal (one fsync) at most this often; 0 writes each one.
   * A cursor lost in a crash only means batches sent again, which the fleet ignores.
   */
  readonly ackFlushMs?: number;
}

/**
 * Reading and encoding (with the contract's validation) 500 passes holds the event loop
 * for ~15 ms on a small core; 100 keep each step near 2-3 ms, so a lane's event never
 * waits long behind the uplink (test/bench/uplink.bench.test.ts).
 */
const DEFAULT_BATCH = 100;

/** Acknowledged ranges kept beyond the cursor, waiting for the gap before them to close. */
const MAX_ACKED_AHEAD = 256;

interface InFlight {
  readonly batchId: string;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

/**
 * Store-and-forward of journaled passes. Reads batches after the journal's acknowledged
 * cursor, in order, keeps at most `maxInFlight` unacknowledged batches on the wire, and
 * moves the cursor only on the fleet's `passes/ack` (sent after its commit). On every
 * (re)connect and on an ack timeout it starts again from the cursor: the fleet stores by
 * (box, seq), so a batch sent twice is stored once.
 *
 * It never runs on the decision path: each batch is read and encoded in its own
 * macrotask (setImmediate between batches), so a lane's event is handled between two
 * batches at worst; acks reach the journal (an fsync) at most every `ackFlushMs`.
 */
export class PassOutbox {
  private inFlight: InFlight[] = [];
  /** Highest seq the fleet confirmed (contiguously); written to the journal by flushAck. */
  private fleetAcked: number;
  private ackFlushTimer: TimerHandle | undefined;
  /** Highest seq handed to the wire in this session. */
  private sentSeq = 0;
  private online = false;
  private pumping: NodeJS.Immediate | undefined;
  private pollTimer: TimerHandle | undefined;
  private ackTimer: TimerHandle | undefined;
  private readonly batchSize: number;
  private readonly maxInFlight: number;
  private lastAckTs: number | null = null;
  private epoch = 0;
  /**
   * Batches the fleet stored past a gap: with several fleet instances, two batches of this
   * box may commit on two instances in either order, so the ack of 11..20 can come before
   * the ack of 1..10. They are kept, and the cursor jumps over them once the gap closes.
   */
  private ackedAhead: { first: number; last: number }[] = [];

  constructor(private readonly o: OutboxOptions) {
    this.batchSize = Math.min(o.batchSize ?? DEFAULT_BATCH, MAX_PASSES_PER_BATCH);
    this.maxInFlight = o.maxInFlight ?? 4;
    this.fleetAcked = o.journal.stats().ackedSeq;
  }

  /** The connection is up: resend everything after the cursor. */
  connected(): void {
    this.online = true;
    this.restart();
    this.pollTimer ??= this.o.clock.setInterval(() => this.kick(), this.o.pollMs ?? 100);
  }

  disconnected(): void {
    this.online = false;
    this.inFlight = [];
    this.o.clock.clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
  }

  stop(): void {
    this.flushAck();
    this.disconnected();
    this.o.clock.clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    if (this.pumping) clearImmediate(this.pumping);
    this.pumping = undefined;
  }

  /** Fleet time of the last ack (for the clock offset), or null. */
  get lastAckFleetTs(): number | null {
    return this.lastAckTs;
  }

  /** New passes may be waiting: send them if there is room on the wire. */
  kick(): void {
    if (!this.online || this.pumping || this.inFlight.length >= this.maxInFlight) return;
    if (this.o.journal.stats().lastSeq <= Math.max(this.sentSeq, this.fleetAcked)) return;
    this.pumping = setImmediate(() => this.pumpOne());
  }

  /** Handles a decoded `passes/ack`. Acks of an older session or repeated ones are harmless. */
  onAck(ack: PassAck): void {
    this.lastAckTs = ack.ts;
    const { lastSeq } = this.o.journal.stats();
    if (ack.lastSeq > lastSeq) {
      this.o.logger.warn({ ack, lastSeq }, 'UPLINK_ACK_INVALID: ack beyond the end of the journal ignored');
      return;
    }
    // The fleet stored firstSeq..lastSeq; the cursor may move only over what has no gap before it.
    if (ack.lastSeq > this.fleetAcked) this.rememberAck(ack.firstSeq, ack.lastSeq);
    const before = this.fleetAcked;
    this.advanceOverAcked();
    if (this.fleetAcked > before) {
      const flushMs = this.o.ackFlushMs ?? 100;
      if (flushMs === 0) this.flushAck();
      else this.ackFlushTimer ??= this.o.clock.setTimeout(() => this.flushAck(), flushMs);
    }
    // A batch acknowledged past a gap leaves the wire too: only the missing one is waited for.
    this.inFlight = this.inFlight.filter((b) => b.lastSeq > this.fleetAcked && !this.ackedAhead.some((r) => r.first <= b.firstSeq && r.last >= b.lastSeq));
    this.armAckTimer();
    this.kick();
  }

  private rememberAck(first: number, last: number): void {
    this.ackedAhead.push({ first, last });
    this.ackedAhead.sort((a, b) => a.first - b.first);
    // Bounded: forgetting an ack only means that batch is sent again, which the fleet ignores.
    if (this.ackedAhead.length > MAX_ACKED_AHEAD) this.ackedAhead.splice(0, this.ackedAhead.length - MAX_ACKED_AHEAD);
  }

  /** Moves the cursor over every acknowledged range that now touches it. */
  private advanceOverAcked(): void {
    for (const r of this.ackedAhead) if (r.first <= this.fleetAcked + 1 && r.last > this.fleetAcked) this.fleetAcked = r.last;
    this.ackedAhead = this.ackedAhead.filter((r) => r.last > this.fleetAcked);
  }

  private restart(): void {
    this.epoch++;
    this.inFlight = [];
    this.fleetAcked = Math.max(this.fleetAcked, this.o.journal.stats().ackedSeq);
    this.sentSeq = this.fleetAcked;
    this.kick();
  }

  private flushAck(): void {
    this.o.clock.clearTimeout(this.ackFlushTimer);
    this.ackFlushTimer = undefined;
    if (this.fleetAcked > this.o.journal.stats().ackedSeq) this.o.journal.ack(this.fleetAcked);
  }

  private pumpOne(): void {
    this.pumping = undefined;
    if (!this.online || this.inFlight.length >= this.maxInFlight) return;
    let after = Math.max(this.sentSeq, this.fleetAcked);
    // What the fleet already acknowledged past a gap is not sent again: skip over it, and stop a batch before it.
    for (const r of this.ackedAhead) if (r.first <= after + 1 && r.last > after) after = r.last;
    this.sentSeq = Math.max(this.sentSeq, after);
    const nextAcked = this.ackedAhead.find((r) => r.first > after + 1)?.first ?? Infinity;
    let passes = this.o.journal.readUnsent(this.batchSize, after).filter((p) => p.seq < nextAcked);
    let payload: Uint8Array | undefined;
    // Explained passes are larger (up to MAX_EXPLANATION_BYTES each): halve a batch until it fits the topic's byte limit.
    for (;;) {
      const first = passes[0];
      const last = passes[passes.length - 1];
      if (!first || !last) return;
      try {
        payload = encode('passes', { v: 1, batchId: `b-${first.seq}-${last.seq}`, passes });
        break;
      } catch (e) {
        if ((e as { code?: string }).code !== 'MQTT_PAYLOAD_TOO_LARGE' || passes.length === 1) throw e;
        passes = passes.slice(0, Math.ceil(passes.length / 2));
      }
    }
    const first = passes[0] as Pass;
    const last = passes[passes.length - 1] as Pass;
    const batchId = `b-${first.seq}-${last.seq}`;
    if (!this.o.publish(payload)) return;
    this.inFlight.push({ batchId, firstSeq: first.seq, lastSeq: last.seq });
    this.sentSeq = last.seq;
    this.armAckTimer();
    this.kick();
  }

  private armAckTimer(): void {
    this.o.clock.clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (this.inFlight.length === 0) return;
    const epoch = this.epoch;
    this.ackTimer = this.o.clock.setTimeout(() => {
      if (epoch !== this.epoch || !this.online) return;
      this.o.logger.warn({ inFlight: this.inFlight.length }, 'pass batches not acknowledged in time, sending again from the cursor');
      this.restart();
    }, this.o.ackTimeoutMs ?? 30_000);
  }
}
