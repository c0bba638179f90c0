import type { Clock, TimerHandle } from '../../../platform/clock.ts';
import type { Logger } from '../../../platform/log.ts';
import { concat, paperSensorStatusRequest } from '../../../protocol/escpos/index.ts';
import type { Transport, TransportError } from '../../transport/transport.ts';
import type { DeviceProbe, DeviceStatus } from '../device.ts';
import type { Printer, PrintJob, PrintJobState } from '../printer-port.ts';
import { printerError } from './errors.ts';
import { canPrint, conditionError, deviceStateOf, healthFrom, unknownHealth, type PrinterHealth } from './health.ts';
import type { JobEvent } from './job-state.ts';
import { MemoryJobStore, type JobStore } from './job-store.ts';
import { PrintQueue, type QueueEntry } from './print-queue.ts';
import { StatusChannel } from './status-channel.ts';
import { DEFAULT_LAYOUT, renderJob, type TicketLayout } from './templates.ts';

export interface EscposPrinterOptions {
  readonly id: string;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where the queue survives a restart; in memory by default. */
  readonly store?: JobStore;
  readonly layout?: Partial<TicketLayout>;
  /** Status polling period, idle and while a job prints (ms). */
  readonly pollMs?: number;
  /** How long one DLE EOT reply may take (ms). */
  readonly replyTimeoutMs?: number;
  /** How long a healthy printer may take to confirm a job (GS r reply) before it counts as printed unconfirmed (ms). */
  readonly confirmTimeoutMs?: number;
  /** Consecutive unanswered polls before the printer is reported offline (PRINTER_NO_REPLY). */
  readonly missesBeforeNoReply?: number;
  /** Delay before reopening a lost or unopenable link (ms). */
  readonly reconnectMs?: number;
}

type Outcome = 'confirmed' | 'unconfirmed' | 'paper-out' | 'not-ready';

/**
 * An ESC/POS receipt printer over any Transport. Jobs are rendered from templates and
 * printed one at a time: the status is checked before each job (DLE EOT 1, 2, 4), the job
 * is followed by GS r 1, whose reply comes only once everything before it was printed, and
 * is done only when that reply arrives. A job cut short by paper end (or cover open,
 * cutter error) is sent again whole once the printer is ready: none lost, none printed
 * twice. Power or link loss mid-ticket is at-least-once (docs/printer.md, Guarantees).
 */
export class EscposPrinter implements Printer {
  readonly kind = 'printer' as const;
  readonly id: string;
  private readonly o: Required<Omit<EscposPrinterOptions, 'layout' | 'store'>> & { layout: TicketLayout; store: JobStore };
  private readonly channel: StatusChannel;
  private readonly queue: PrintQueue;
  private health: PrinterHealth | undefined;
  private misses = 0;
  private current: DeviceStatus;
  private statusListeners = new Set<(s: DeviceStatus) => void>();
  private jobListeners = new Set<(jobId: string, state: PrintJobState) => void>();
  private unsubscribe: (() => void)[] = [];
  private running = false;
  private busy: Promise<void> | undefined;
  private again = false;
  private pollTimer: TimerHandle | undefined;
  private reconnectTimer: TimerHandle | undefined;
  /** Doctor probes waiting for the next status round (run in turn with jobs and polls). */
  private probes: ((h: PrinterHealth) => void)[] = [];

  constructor(options: EscposPrinterOptions) {
    this.id = options.id;
    this.o = {
      pollMs: 1000,
      replyTimeoutMs: 500,
      confirmTimeoutMs: 30_000,
      missesBeforeNoReply: 2,
      reconnectMs: 5000,
      ...options,
      layout: { ...DEFAULT_LAYOUT, ...options.layout },
      store: options.store ?? new MemoryJobStore(),
    };
    this.channel = new StatusChannel(options.transport, options.clock);
    this.queue = new PrintQueue(this.o.store, (path) => this.o.logger.error({ path }, 'print queue file was unreadable and was moved aside'));
    this.current = { deviceId: this.id, kind: 'printer', state: 'starting', since: options.clock.now() };
  }

  async start(): Promise<void> {
    if (this.running) return;
    const t = this.o.transport;
    this.unsubscribe = [t.on('data', (c) => this.channel.receive(c)), t.on('close', (reason) => this.linkClosed(reason))];
    this.running = true;
    this.pollTimer = this.o.clock.setInterval(() => this.kick(), this.o.pollMs);
    await this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const p of this.probes.splice(0)) p(unknownHealth('link-down'));
    this.o.clock.clearInterval(this.pollTimer);
    this.o.clock.clearTimeout(this.reconnectTimer);
    this.channel.failAll();
    await this.busy;
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    await this.o.transport.close();
  }

  status(): DeviceStatus {
    return this.current;
  }

  onStatus(listener: (status: DeviceStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onJob(listener: (jobId: string, state: PrintJobState) => void): () => void {
    this.jobListeners.add(listener);
    return () => this.jobListeners.delete(listener);
  }

  jobState(jobId: string): PrintJobState | undefined {
    return this.queue.stateOf(jobId);
  }

  /** Idempotent by jobId: a job already queued or recently finished is not queued again. */
  async enqueue(job: PrintJob): Promise<void> {
    if (this.jobState(job.jobId) !== undefined) return;
    const rendered = renderJob(job, this.o.layout);
    if (!rendered.ok) throw printerError('PRINTER_JOB_INVALID', `job ${job.jobId}: ${rendered.error.message}`, rendered.error);
    try {
      this.queue.add(job);
    } catch (e) {
      throw printerError('PRINTER_STORE_FAILED', `job ${job.jobId} could not be saved: ${(e as Error).message}`, e);
    }
    this.emitJob(job.jobId, 'queued');
    this.publish();
    this.kick();
  }

  /**
   * One status round now (DLE EOT 1, 2, 4), in turn with the print work on the line: no
   * reply within the reply timeout is PRINTER_NO_REPLY, a closed link PRINTER_LINK_DOWN; a
   * reported condition (paper end, cover open) is an answer with its code.
   */
  async probe(): Promise<DeviceProbe> {
    if (!this.running || !this.o.transport.isOpen) return { answered: false, code: 'PRINTER_LINK_DOWN', message: `link ${this.o.transport.description} is not open` };
    const health = await new Promise<PrinterHealth>((resolve) => {
      this.probes.push(resolve);
      this.kick();
    });
    const error = conditionError(health.condition);
    if (health.condition === 'no-reply' || health.condition === 'link-down') return { answered: false, code: error?.code ?? 'PRINTER_NO_REPLY', message: error?.message ?? 'no reply' };
    return error === undefined ? { answered: true } : { answered: true, code: error.code, message: error.message };
  }

  /** Runs one status round and the queue, once at a time; a kick while busy runs it again after. */
  private kick(): void {
    if (!this.running) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = this.work().finally(() => {
      this.busy = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async work(): Promise<void> {
    const probes = this.probes.splice(0);
    try {
      if (!this.o.transport.isOpen) {
        for (const p of probes) p(unknownHealth('link-down'));
        return;
      }
      if (this.queue.size === 0 || probes.length > 0) {
        const health = await this.refreshHealth();
        for (const p of probes) p(health);
      }
      if (this.queue.size > 0) await this.pumpQueue();
    } catch (e) {
      for (const p of probes) p(unknownHealth('no-reply'));
      this.o.logger.error({ err: e }, 'printer work failed');
    }
  }

  private async pumpQueue(): Promise<void> {
    for (let entry = this.queue.head(); entry && this.running; entry = this.queue.head()) {
      const health = await this.refreshHealth();
      if (health.condition === 'paper-end') return this.move(entry, 'paper-out');
      if (!canPrint(health)) return this.move(entry, 'not-ready');
      const rendered = renderJob(entry.job, this.o.layout);
      if (!rendered.ok) {
        this.move(entry, 'invalid');
        continue;
      }
      this.channel.clearPaperInbox();
      this.move(entry, 'send');
      try {
        await this.o.transport.write(concat([rendered.value, paperSensorStatusRequest()]));
      } catch (e) {
        this.o.logger.warn({ err: e, jobId: entry.job.jobId }, 'print job write failed');
        return this.move(entry, 'not-ready');
      }
      const outcome = await this.awaitPrinted();
      if (outcome === 'unconfirmed') this.setError('PRINTER_UNCONFIRMED', `job ${entry.job.jobId} sent but not confirmed by the printer`);
      this.move(entry, outcome);
      if (outcome === 'paper-out' || outcome === 'not-ready') return;
    }
  }

  /** Waits for the GS r reply that follows a job, polling real-time status meanwhile. */
  private async awaitPrinted(): Promise<Outcome> {
    const deadline = this.o.clock.monotonic() + this.o.confirmTimeoutMs;
    for (;;) {
      const wait = Math.max(1, Math.min(this.o.pollMs, deadline - this.o.clock.monotonic()));
      if (await this.channel.nextPaperSensor(wait)) return 'confirmed';
      const health = await this.refreshHealth();
      if (this.channel.takePaperSensor()) return 'confirmed';
      if (health.condition === 'paper-end') return 'paper-out';
      if (!canPrint(health)) return 'not-ready';
      if (this.o.clock.monotonic() >= deadline) return 'unconfirmed';
    }
  }

  private async refreshHealth(): Promise<PrinterHealth> {
    if (!this.running) return unknownHealth('link-down');
    const t = this.o.replyTimeoutMs;
    const printer = await this.channel.requestRealtime('printer', t);
    const cause = printer && (await this.channel.requestRealtime('offline-cause', t));
    const paper = cause && (await this.channel.requestRealtime('paper', t));
    if (printer?.kind !== 'printer' || cause?.kind !== 'offline-cause' || paper?.kind !== 'paper') {
      if (!this.o.transport.isOpen) return this.health ?? unknownHealth('link-down');
      this.misses++;
      if (this.misses >= this.o.missesBeforeNoReply) this.setHealth(unknownHealth('no-reply'));
      return unknownHealth('no-reply');
    }
    this.misses = 0;
    const health = healthFrom(printer.status, cause.status, paper.status);
    this.setHealth(health);
    return health;
  }

  private move(entry: QueueEntry, event: JobEvent): void {
    const { next, changed } = this.queue.apply(entry, event);
    if (!changed && event !== 'send') return;
    // Saved before the bytes go out ("printing"), so a crash mid-job resends it on restart;
    // not rewritten while a job merely keeps waiting (no flash wear at every poll).
    try {
      this.queue.save();
    } catch (e) {
      this.setError('PRINTER_STORE_FAILED', `print queue could not be saved: ${(e as Error).message}`);
    }
    this.emitJob(entry.job.jobId, next);
    this.publish();
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    try {
      await this.o.transport.open();
    } catch (e) {
      this.o.logger.warn({ err: e, transport: this.o.transport.description }, 'printer link could not be opened');
      this.setHealth(unknownHealth('link-down'));
      this.reconnectTimer = this.o.clock.setTimeout(() => void this.connect(), this.o.reconnectMs);
      return;
    }
    this.kick();
  }

  private linkClosed(reason: TransportError | undefined): void {
    this.channel.failAll();
    if (!this.running) return;
    this.o.logger.warn({ reason: reason?.message }, 'printer link closed');
    this.setHealth(unknownHealth('link-down'));
    this.o.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = this.o.clock.setTimeout(() => void this.connect(), this.o.reconnectMs);
  }

  private setHealth(h: PrinterHealth): void {
    const entered = this.health?.condition !== h.condition;
    this.health = h;
    const e = conditionError(h.condition);
    if (e && entered) this.setError(e.code, e.message);
    else this.publish();
  }

  private setError(code: string, message: string): void {
    this.current = { ...this.current, lastError: { code, message, at: this.o.clock.now() } };
    this.publish(true);
  }

  private publish(force = false): void {
    const h = this.health;
    const state = h ? deviceStateOf(h.condition) : 'starting';
    const detail = { condition: h?.condition ?? null, paper: h?.paper ?? null, coverOpen: h?.coverOpen ?? null, queued: this.queue.size, transport: this.o.transport.description };
    const prev = this.current;
    if (!force && prev.state === state && JSON.stringify(prev.detail) === JSON.stringify(detail)) return;
    this.current = { ...prev, state, since: prev.state === state ? prev.since : this.o.clock.now(), detail };
    for (const l of [...this.statusListeners]) l(this.current);
  }

  private emitJob(jobId: string, state: PrintJobState): void {
    for (const l of [...this.jobListeners]) l(jobId, state);
  }
}
