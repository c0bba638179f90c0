import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../../../platform/clock.ts';
import type { Logger } from '../../../platform/log.ts';
import { concatBytes } from '../../../protocol/core/index.ts';
import { decodePacket, type DecodedPacket, type OsdpReply } from '../../../protocol/osdp/index.ts';
import type { Transport } from '../../transport/transport.ts';
import type { ReaderFeedback } from '../reader.ts';
import { credentialFromRaw, PinCollector } from './credentials.ts';
import { feedbackCommands } from './feedback.ts';
import type { LinkEvent } from './link-phase.ts';
import { OsdpReader, type OsdpBusPort } from './osdp-reader.ts';
import { PdLink, type Exchange, type PdLinkConfig } from './pd-link.ts';
import { readerDetail, readerState } from './reader-status.ts';

export interface OsdpReaderConfig extends PdLinkConfig {
  /** The reader's device id (DeviceStatus.deviceId, CredentialPresented.readerId). */
  readonly id: string;
}

export interface OsdpTiming {
  /** How long to wait for a reply (OSDP: 200 ms). */
  readonly replyTimeoutMs: number;
  /** Pause between two polls of the same reader. */
  readonly pollIntervalMs: number;
  /** Consecutive exchanges without a valid reply before a reader is offline. */
  readonly offlineAfter: number;
  /** Consecutive failures (still below offlineAfter) that make a reader degraded. */
  readonly degradedAfter: number;
  /** How often an offline reader is probed. */
  readonly offlineProbeMs: number;
  /** Back-off before a failed secure channel set-up is tried again. */
  readonly secureRetryMs: number;
  /** Wait before resending a command the reader answered BUSY. */
  readonly busyRetryMs: number;
  /** Delay before reopening a lost transport. */
  readonly reopenMs: number;
  /** A half-typed PIN is forgotten after this long. */
  readonly pinTimeoutMs: number;
}

export const DEFAULT_OSDP_TIMING: OsdpTiming = {
  replyTimeoutMs: 200, pollIntervalMs: 50, offlineAfter: 8, degradedAfter: 3, offlineProbeMs: 1000,
  secureRetryMs: 5000, busyRetryMs: 50, reopenMs: 1000, pinTimeoutMs: 10_000,
};

export interface OsdpControlPanelOptions {
  readonly transport: Transport;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly readers: readonly OsdpReaderConfig[];
  readonly timing?: Partial<OsdpTiming>;
  /** Random bytes for the secure channel challenge (tests pin them). */
  readonly random?: (n: number) => Uint8Array;
}

interface Drop {
  readonly config: OsdpReaderConfig;
  readonly link: PdLink;
  readonly reader: OsdpReader;
  readonly pins: PinCollector;
  everOnline: boolean;
  tamper: boolean;
  lastError?: { code: string; message: string; at: number };
}

/**
 * The OSDP Control Panel: one RS-485 bus, several readers (PDs) by address. Non-blocking
 * and tick-driven: one exchange at a time on the bus, a reply timeout, round-robin polling,
 * retries that resend the same bytes with the same sequence number, discovery (ID, CAP),
 * secure channel set-up/re-establishment, offline detection and recovery.
 */
export class OsdpControlPanel implements OsdpBusPort {
  private readonly timing: OsdpTiming;
  private readonly drops: Drop[];
  private readonly keyListeners = new Set<(readerId: string, key: Uint8Array) => void>();
  private buffer: Uint8Array = new Uint8Array(0);
  private inFlight: { drop: Drop; exchange: Exchange; timer: TimerHandle } | undefined;
  private wakeTimer: TimerHandle | undefined;
  private reopenTimer: TimerHandle | undefined;
  private cursor = 0;
  private readonly startedReaders = new Set<string>();
  private running = false;
  private starting: Promise<void> | undefined;
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly options: OsdpControlPanelOptions) {
    this.timing = { ...DEFAULT_OSDP_TIMING, ...options.timing };
    const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
    const addresses = new Set<number>();
    this.drops = options.readers.map((config) => {
      if (!Number.isInteger(config.address) || config.address < 0 || config.address > 0x7e || addresses.has(config.address)) throw new Error(`OSDP reader ${config.id}: address ${config.address} is invalid or used twice`);
      for (const key of [config.scbk, config.installKey]) if (key && key.length !== 16) throw new Error(`OSDP reader ${config.id}: a secure channel key is 16 bytes, got ${key.length}`);
      addresses.add(config.address);
      const link = new PdLink(config, random, (key) => this.keyInstalled(config.id, key));
      return { config, link, reader: new OsdpReader(config.id, this, options.clock.now()), pins: new PinCollector(this.timing.pinTimeoutMs), everOnline: false, tamper: false };
    });
  }

  /** One Reader per configured address. */
  get readers(): readonly OsdpReader[] {
    return this.drops.map((d) => d.reader);
  }

  reader(id: string): OsdpReader {
    const d = this.drops.find((x) => x.config.id === id);
    if (!d) throw new Error(`no OSDP reader ${id}`);
    return d.reader;
  }

  /** A new SCBK was installed in a reader (install mode + KEYSET): the caller must persist it. */
  onKeyInstalled(listener: (readerId: string, key: Uint8Array) => void): () => void {
    this.keyListeners.add(listener);
    return () => this.keyListeners.delete(listener);
  }

  startReader(readerId: string): Promise<void> {
    this.startedReaders.add(readerId);
    return this.start();
  }

  async stopReader(readerId: string): Promise<void> {
    this.startedReaders.delete(readerId);
    if (this.startedReaders.size === 0) await this.stop();
  }

  /** Starts the bus (opens the transport, begins discovery and polling of every reader). */
  start(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.starting ??= this.open().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** Stops the bus for every reader and closes the transport. */
  async stop(): Promise<void> {
    this.startedReaders.clear();
    this.running = false;
    this.clearTimers();
    for (const u of this.unsubscribe.splice(0)) u();
    await this.options.transport.close();
  }

  feedback(readerId: string, signal: ReaderFeedback): Promise<void> {
    const d = this.drops.find((x) => x.config.id === readerId);
    if (!d) return Promise.resolve();
    const commands = feedbackCommands(signal);
    const all = Promise.all(commands.map((c) => new Promise<void>((resolve) => d.link.enqueue(c, resolve)))).then(() => undefined);
    this.pump();
    return all;
  }

  private async open(): Promise<void> {
    const t = this.options.transport;
    this.unsubscribe.push(
      t.on('data', (chunk) => this.receive(chunk)),
      t.on('close', (reason) => {
        if (!reason || !this.running) return;
        this.options.logger.warn({ err: reason.message }, 'OSDP bus lost');
        this.abortExchange();
        for (const d of this.drops) this.fail(d, reason.code, reason.message, 'offline');
        this.reopenTimer = this.options.clock.setTimeout(() => void this.reopen(), this.timing.reopenMs);
      }),
    );
    this.running = true;
    await this.reopen();
  }

  private async reopen(): Promise<void> {
    if (!this.running) return;
    try {
      await this.options.transport.open();
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'TRANSPORT_OPEN_FAILED';
      for (const d of this.drops) this.fail(d, code, (e as Error).message, undefined);
      this.reopenTimer = this.options.clock.setTimeout(() => void this.reopen(), this.timing.reopenMs);
      return;
    }
    this.buffer = new Uint8Array(0);
    this.pump();
  }

  /** Starts the next exchange if the bus is free and a reader is due; otherwise sleeps until one is. */
  private pump(): void {
    if (!this.running || this.inFlight || !this.options.transport.isOpen) return;
    const now = this.options.clock.monotonic();
    for (const d of this.drops) if (d.link.phase === 'sc-failed' && d.link.dueAt <= now) this.transition(d, 'retry-due');
    const n = this.drops.length;
    let chosen: Drop | undefined;
    for (let i = 0; i < n && !chosen; i++) {
      const d = this.drops[(this.cursor + i) % n] as Drop;
      const urgent = d.link.phase === 'online' && d.link.hasQueued();
      if ((urgent || d.link.dueAt <= now) && d.link.phase !== 'sc-failed') {
        chosen = d;
        this.cursor = (this.cursor + i + 1) % n;
      }
    }
    if (!chosen) return this.sleepUntilDue(now);
    const exchange = chosen.link.nextExchange();
    if (!exchange) return this.sleepUntilDue(now);
    const drop = chosen;
    // Half duplex, one exchange at a time: bytes left over belong to no one (a late or torn
    // reply, or a corrupted length still waiting for bytes that will never come).
    this.buffer = new Uint8Array(0);
    const timer = this.options.clock.setTimeout(() => this.onTimeout(), this.timing.replyTimeoutMs);
    this.inFlight = { drop, exchange, timer };
    this.options.transport.write(exchange.bytes).catch((e: Error) => this.options.logger.warn({ err: e.message, reader: drop.config.id }, 'OSDP write failed'));
  }

  private sleepUntilDue(now: number): void {
    this.options.clock.clearTimeout(this.wakeTimer);
    const next = Math.min(...this.drops.map((d) => d.link.dueAt));
    if (Number.isFinite(next)) this.wakeTimer = this.options.clock.setTimeout(() => this.pump(), Math.max(1, next - now));
  }

  private receive(chunk: Uint8Array): void {
    this.buffer = this.buffer.length ? concatBytes(this.buffer, chunk) : chunk;
    for (;;) {
      const step = decodePacket(this.buffer);
      if (step.kind === 'need-more') return;
      if (step.kind === 'bad') {
        this.buffer = this.buffer.subarray(step.skip);
        if (step.code !== 'OSDP_NO_SOM' && this.inFlight) this.onCorrupt(step.code, step.message);
        continue;
      }
      this.buffer = this.buffer.subarray(step.consumed);
      const f = this.inFlight;
      // A reply with another address or sequence is a stray (a late answer to an abandoned try).
      if (f && step.frame.reply && step.frame.address === f.drop.config.address && step.frame.sequence === f.exchange.sequence) this.onReply(f.drop, f.exchange, step.frame);
    }
  }

  private onReply(drop: Drop, exchange: Exchange, p: DecodedPacket): void {
    const at = this.options.clock.monotonic();
    this.endExchange();
    const outcome = drop.link.onReply(exchange, p);
    if (outcome.kind === 'busy') {
      drop.link.dueAt = at + this.timing.busyRetryMs;
    } else {
      if (outcome.error) this.recordError(drop, outcome.error.code, outcome.error.message);
      this.transition(drop, outcome.event);
      if (outcome.reply) this.deliver(drop, outcome.reply, at);
      drop.link.dueAt = drop.link.phase === 'online' ? at + this.timing.pollIntervalMs : drop.link.phase === 'sc-failed' ? at + this.timing.secureRetryMs : at;
    }
    this.publish(drop);
    this.pump();
  }

  private onTimeout(): void {
    const f = this.inFlight;
    if (!f) return;
    this.noReply(f.drop, 'OSDP_NO_REPLY', `no reply from address ${f.drop.config.address} within ${this.timing.replyTimeoutMs} ms`);
  }

  private onCorrupt(code: string, message: string): void {
    const f = this.inFlight;
    if (f) this.noReply(f.drop, code, message);
  }

  private noReply(drop: Drop, code: string, message: string): void {
    this.endExchange();
    const now = this.options.clock.monotonic();
    const event = drop.link.onNoReply(this.timing.offlineAfter);
    this.recordError(drop, code, message);
    if (event) this.transition(drop, event);
    drop.link.dueAt = drop.link.phase === 'offline' ? now + this.timing.offlineProbeMs : now;
    this.publish(drop);
    this.pump();
  }

  private deliver(drop: Drop, reply: OsdpReply, at: number): void {
    if (reply.kind === 'raw') {
      const card = credentialFromRaw(reply);
      if (card.ok) drop.reader.emitCredential({ readerId: drop.config.id, credential: card.credential, at });
      else this.recordError(drop, card.code, card.message);
    } else if (reply.kind === 'lstatr') {
      if (reply.tamper && !drop.tamper) this.recordError(drop, 'OSDP_TAMPER', 'the reader reports its tamper switch open');
      drop.tamper = reply.tamper;
    } else if (reply.kind === 'keypad') {
      for (const pin of drop.pins.add(reply.keys, at)) drop.reader.emitCredential({ readerId: drop.config.id, credential: { kind: 'pin', pin }, at });
    }
  }

  private transition(drop: Drop, event: LinkEvent): void {
    const { from, to } = drop.link.apply(event);
    if (from !== to) this.options.logger.info({ reader: drop.config.id, from, to, event }, 'OSDP reader link');
    if (to === 'online') drop.everOnline = true;
  }

  private fail(drop: Drop, code: string, message: string, event: LinkEvent | undefined): void {
    this.recordError(drop, code, message);
    if (event && drop.link.phase !== 'offline') this.transition(drop, event);
    this.publish(drop);
  }

  private recordError(drop: Drop, code: string, message: string): void {
    drop.lastError = { code, message, at: this.options.clock.now() };
  }

  private publish(drop: Drop): void {
    const l = drop.link;
    const snapshot = { address: drop.config.address, phase: l.phase, failures: l.failures, secureChannel: l.secureChannelActive, identity: l.identity, everOnline: drop.everOnline, tamper: drop.tamper };
    drop.reader.updateStatus(
      { state: readerState(snapshot, this.timing.degradedAfter), ...(drop.lastError ? { lastError: drop.lastError } : {}), detail: readerDetail(snapshot) },
      this.options.clock.now(),
    );
  }

  private keyInstalled(readerId: string, key: Uint8Array): void {
    this.options.logger.info({ reader: readerId }, 'OSDP reader secure channel key installed');
    for (const l of [...this.keyListeners]) l(readerId, key);
  }

  private endExchange(): void {
    if (this.inFlight) this.options.clock.clearTimeout(this.inFlight.timer);
    this.inFlight = undefined;
  }

  private abortExchange(): void {
    this.endExchange();
    this.buffer = new Uint8Array(0);
  }

  private clearTimers(): void {
    this.abortExchange();
    this.options.clock.clearTimeout(this.wakeTimer);
    this.options.clock.clearTimeout(this.reopenTimer);
    this.wakeTimer = undefined;
    this.reopenTimer = undefined;
  }
}
