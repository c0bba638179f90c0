import type { Clock, TimerHandle } from '../../../platform/clock.ts';
import { decodeStatusStep, realtimeStatusRequest, type RealtimeStatusKind, type StatusReply } from '../../../protocol/escpos/index.ts';
import type { Transport } from '../../transport/transport.ts';

type PaperSensorReply = Extract<StatusReply, { kind: 'paper-sensor' }>;

interface Waiter<T> {
  resolve(value: T | undefined): void;
  timer: TimerHandle;
}

/**
 * Matches the printer's replies to the requests that asked for them. DLE EOT replies
 * carry no request number, so one real-time request is outstanding at a time (the next
 * waits its turn); GS r 1 replies are told apart by their fixed bits and wait in a small
 * inbox until the job that asked for them collects them. Timeouts resolve `undefined`.
 */
export class StatusChannel {
  private buf: Uint8Array = new Uint8Array(0);
  private pending: (Waiter<StatusReply> & { kind: RealtimeStatusKind }) | undefined;
  private turn: Promise<unknown> = Promise.resolve();
  private paperInbox: PaperSensorReply[] = [];
  private paperWaiter: Waiter<PaperSensorReply> | undefined;
  private asbListeners = new Set<(reply: Extract<StatusReply, { kind: 'asb' }>) => void>();
  /** Codes of undecodable bytes seen (line noise, a late reply after a timeout). */
  readonly garbage: string[] = [];

  constructor(
    private readonly transport: Transport,
    private readonly clock: Clock,
  ) {}

  onAsb(listener: (reply: Extract<StatusReply, { kind: 'asb' }>) => void): () => void {
    this.asbListeners.add(listener);
    return () => this.asbListeners.delete(listener);
  }

  /** Feed every chunk the transport delivers. */
  receive(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf);
    joined.set(chunk, this.buf.length);
    this.buf = joined;
    for (;;) {
      const step = decodeStatusStep(this.buf, this.pending?.kind);
      if (step.kind === 'need-more') break;
      if (step.kind === 'bad') {
        if (this.garbage.length < 100) this.garbage.push(step.code);
        this.buf = this.buf.subarray(step.skip);
        continue;
      }
      this.buf = this.buf.subarray(step.consumed);
      this.dispatch(step.frame);
    }
  }

  /** Sends DLE EOT `kind` once the previous real-time request is answered or timed out. */
  requestRealtime(kind: RealtimeStatusKind, timeoutMs: number): Promise<StatusReply | undefined> {
    const run = this.turn.then(() => this.sendRealtime(kind, timeoutMs));
    this.turn = run.catch(() => undefined);
    return run;
  }

  /** Forgets GS r replies not yet collected (before a job, so a stale one confirms nothing). */
  clearPaperInbox(): void {
    this.paperInbox = [];
  }

  /** A GS r 1 reply already received, if any. */
  takePaperSensor(): PaperSensorReply | undefined {
    return this.paperInbox.shift();
  }

  /** The next GS r 1 reply, or undefined after `timeoutMs`. */
  nextPaperSensor(timeoutMs: number): Promise<PaperSensorReply | undefined> {
    const ready = this.paperInbox.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.paperWaiter = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.paperWaiter = { resolve, timer };
    });
  }

  /** The link went down: every waiter gets `undefined` now rather than at its timeout. */
  failAll(): void {
    this.buf = new Uint8Array(0);
    const p = this.pending;
    this.pending = undefined;
    if (p) {
      this.clock.clearTimeout(p.timer);
      p.resolve(undefined);
    }
    const w = this.paperWaiter;
    this.paperWaiter = undefined;
    if (w) {
      this.clock.clearTimeout(w.timer);
      w.resolve(undefined);
    }
  }

  private sendRealtime(kind: RealtimeStatusKind, timeoutMs: number): Promise<StatusReply | undefined> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        if (this.pending?.timer === timer) this.pending = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.pending = { kind, resolve, timer };
      this.transport.write(realtimeStatusRequest(kind)).catch(() => {
        if (this.pending?.timer !== timer) return;
        this.pending = undefined;
        this.clock.clearTimeout(timer);
        resolve(undefined);
      });
    });
  }

  private dispatch(reply: StatusReply): void {
    if (reply.kind === 'asb') {
      for (const l of [...this.asbListeners]) l(reply);
      return;
    }
    if (reply.kind === 'paper-sensor') {
      const w = this.paperWaiter;
      if (w) {
        this.paperWaiter = undefined;
        this.clock.clearTimeout(w.timer);
        w.resolve(reply);
      } else if (this.paperInbox.length < 8) this.paperInbox.push(reply);
      return;
    }
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    this.clock.clearTimeout(p.timer);
    p.resolve(reply);
  }
}
