import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../../../platform/clock.ts';
import type { Logger } from '../../../platform/log.ts';
import { concatBytes } from '../../../protocol/core/index.ts';
import { decodePacket, REPLY, type DecodedPacket, type OsdpReply } from '../../../protocol/osdp/index.ts';
import type { Transport, TransportErrorCode } from '../../transport/transport.ts';
import type { ReaderFeedback } from '../reader.ts';
import { credentialFromRaw, PinCollector } from './credentials.ts';
import { OsdpReaderError, type OsdpReaderErrorCode } from './errors.ts';
import { feedbackCommands } from './feedback.ts';
import { isWaiting, type LinkEvent } from './link-phase.ts';
import { OsdpReader, type OsdpBusPort } from './osdp-reader.ts';
import { PdLink, type Exchange, type PdLinkConfig } from './pd-link.ts';
import { ReaderStatusKeeper } from './status-keeper.ts';
import { DEFAULT_OSDP_TIMING, type OsdpTiming } from './timing.ts';

export interface OsdpReaderConfig extends PdLinkConfig {
  /** The reader's device id (DeviceStatus.deviceId, CredentialPresented.readerId). */
  readonly id: string;
}

export { DEFAULT_OSDP_TIMING, type OsdpTiming } from './timing.ts';

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
  readonly status: ReaderStatusKeeper;
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
      if (!Number.isInteger(config.address) || config.address < 0 || config.address > 0x7e || addresses.has(config.address)) throw new OsdpReaderError('OSDP_BAD_CONFIG', `OSDP reader ${config.id}: address ${config.address} is invalid or used twice`);
      for (const key of [config.scbk, config.installKey]) if (key && key.length !== 16) throw new OsdpReaderError('OSDP_BAD_CONFIG', `OSDP reader ${config.id}: a secure channel key is 16 bytes, got ${key.length}`);
      addresses.add(config.address);
      const link = new PdLink(config, random, (key) => this.keyInstalled(config.id, key));
      const reader = new OsdpReader(config.id, this, options.clock.now());
      const status = new ReaderStatusKeeper(reader, config.address, options.clock, options.logger, this.timing.degradedAfter);
      return { config, link, reader, pins: new PinCollector(this.timing.pinTimeoutMs), status };
    });
  }

  /** One Reader per configured address. */
  get readers(): readonly OsdpReader[] {
    return this.drops.map((d) => d.reader);
  }

  reader(id: string): OsdpReader {
    const d = this.drops.find((x) => x.config.id === id);
    if (!d) throw new OsdpReaderError('OSDP_UNKNOWN_READER', `no OSDP reader ${id}`);
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
    for (const d of this.drops) d.link.drain(new OsdpReaderError('OSDP_STOPPED', 'the OSDP bus was stopped'));
    for (const u of this.unsubscribe.splice(0)) u();
    await this.options.transport.close();
  }

  /** Resolves once the reader acknowledged every command; rejects (OsdpReaderError) when it is offline, not ready, or refuses one. */
  feedback(readerId: string, signal: ReaderFeedback): Promise<void> {
    const d = this.drops.find((x) => x.config.id === readerId);
    if (!d) return Promise.reject(new OsdpReaderError('OSDP_UNKNOWN_READER', `no OSDP reader ${readerId}`));
    if (!this.running) return Promise.reject(new OsdpReaderError('OSDP_STOPPED', 'the OSDP bus is not running'));
    const sent: Promise<void>[] = [];
    for (const command of feedbackCommands(signal)) {
      let refused: OsdpReaderError | undefined;
      sent.push(new Promise<void>((resolve, reject) => (refused = d.link.enqueue(command, (e) => (e ? reject(e) : resolve())))));
      // The commands of one signal are queued together, so only the first can be refused here.
      if (refused) return Promise.reject(refused);
    }
    this.pump();
    return Promise.all(sent).then(() => undefined);
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
      const code = (e as { code?: TransportErrorCode }).code ?? 'TRANSPORT_OPEN_FAILED';
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
    for (const d of this.drops) if (isWaiting(d.link.phase) && d.link.dueAt <= now) this.transition(d, 'retry-due');
    const n = this.drops.length;
    let chosen: Drop | undefined;
    for (let i = 0; i < n && !chosen; i++) {
      const d = this.drops[(this.cursor + i) % n] as Drop;
      const urgent = d.link.phase === 'online' && d.link.hasQueued();
      if ((urgent || d.link.dueAt <= now) && !isWaiting(d.link.phase)) {
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
      if (f && step.frame.reply && step.frame.address === f.drop.config.address && (step.frame.sequence === f.exchange.sequence || isBusyNow(step.frame))) this.onReply(f.drop, f.exchange, step.frame);
    }
  }

  private onReply(drop: Drop, exchange: Exchange, p: DecodedPacket): void {
    const at = this.options.clock.monotonic();
    this.endExchange();
    const outcome = drop.link.onReply(exchange, p);
    if (outcome.kind === 'busy') {
      drop.link.dueAt = at + this.timing.busyRetryMs;
    } else {
      // A refused feedback command rejects its feedback() call; it says nothing about the link.
      if (outcome.error && !exchange.done) this.recordError(drop, outcome.error.code, outcome.error.message);
      this.transition(drop, outcome.event);
      if (outcome.reply) this.deliver(drop, outcome.reply, at);
      drop.link.dueAt = drop.link.phase === 'online' ? at + this.timing.pollIntervalMs : isWaiting(drop.link.phase) ? at + this.timing.secureRetryMs : at;
    }
    this.publish(drop);
    this.pump();
  }

  private onTimeout(): void {
    const f = this.inFlight;
    if (!f) return;
    this.noReply(f.drop, 'OSDP_NO_REPLY', `no reply from address ${f.drop.config.address} within ${this.timing.replyTimeoutMs} ms`);
  }

  private onCorrupt(code: OsdpReaderErrorCode, message: string): void {
    const f = this.inFlight;
    if (f) this.noReply(f.drop, code, message);
  }

  private noReply(drop: Drop, code: OsdpReaderErrorCode, message: string): void {
    this.endExchange();
    const now = this.options.clock.monotonic();
    const event = drop.link.onNoReply(this.timing.offlineAfter);
    // A single failed try is retried with the same bytes and is no news; a streak is.
    if (event || drop.link.failures >= this.timing.degradedAfter) this.recordError(drop, code, message);
    else this.options.logger.debug({ reader: drop.config.id, code, failures: drop.link.failures }, message);
    if (event) this.transition(drop, event);
    drop.link.dueAt = drop.link.phase === 'offline' ? now + this.timing.offlineProbeMs : now;
    this.publish(drop);
    this.pump();
  }

  private deliver(drop: Drop, reply: OsdpReply, at: number): void {
    if (reply.kind === 'raw') {
      const card = credentialFromRaw(reply);
      drop.status.cardRead(card.ok ? undefined : card);
      if (card.ok) drop.reader.emitCredential({ readerId: drop.config.id, credential: card.credential, at });
    } else if (reply.kind === 'lstatr') {
      if (reply.tamper && !drop.status.tamper) this.recordError(drop, 'OSDP_TAMPER', 'the reader reports its tamper switch open');
      drop.status.tamper = reply.tamper;
    } else if (reply.kind === 'keypad') {
      for (const pin of drop.pins.add(reply.keys, at)) drop.reader.emitCredential({ readerId: drop.config.id, credential: { kind: 'pin', pin }, at });
    }
  }

  private transition(drop: Drop, event: LinkEvent): void {
    const { from, to } = drop.link.apply(event);
    if (from !== to) this.options.logger.debug({ reader: drop.config.id, from, to, event }, 'OSDP reader link');
  }

  private fail(drop: Drop, code: OsdpReaderErrorCode, message: string, event: LinkEvent | undefined): void {
    this.recordError(drop, code, message);
    if (event && drop.link.phase !== 'offline') this.transition(drop, event);
    this.publish(drop);
  }

  private recordError(drop: Drop, code: OsdpReaderErrorCode, message: string): void {
    drop.status.recordError(code, message);
  }

  private publish(drop: Drop): void {
    drop.status.publish(drop.link);
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

/** osdp_BUSY goes out with sequence number 0 whatever the command's (OSDP v2.2; libosdp's CP accepts it so). */
function isBusyNow(p: DecodedPacket): boolean {
  return p.sequence === 0 && p.code === REPLY.BUSY && p.securityBlock === undefined && p.data.length === 0;
}
