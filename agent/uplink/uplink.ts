import { randomUUID } from 'node:crypto';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Clock, TimerHandle } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { boxSubscriptions, decode, encode, parseTopic, topicFor, TOPICS, type EventMessage, type HealthMessage, type MessageOf, type TopicKind, type UpdateJobMessage, type UpdateStatusMessage, type ConfigDesiredMessage, type ConfigReportedMessage, type OccupancyRelayMessage } from '../../protocol/mqtt/index.ts';
import type { Device } from '../devices/device.ts';
import { CommandRunner, type CommandTarget } from './commands.ts';
import { FleetConnection } from './connection.ts';
import { EventSource } from './events.ts';
import { HealthReporter } from './health.ts';
import { PassOutbox, type OutboxJournal } from './outbox.ts';
import { RightsSync, type RightsTarget } from './rights-sync.ts';

export interface UplinkOptions {
  readonly boxId: string;
  readonly url: string;
  readonly password: string;
  readonly agentVersion: string;
  /** The running release's hardware model and the release kept before it (state message), under the launcher. */
  readonly release?: { readonly hardware: string; readonly previousVersion: string | null };
  readonly dataDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly journal: OutboxJournal;
  readonly rights: RightsTarget;
  readonly devices: ReadonlyMap<string, Device>;
  readonly lanes: () => HealthMessage['lanes'];
  readonly commands: CommandTarget;
  readonly random?: () => number;
  readonly healthIntervalMs?: number;
  readonly outbox?: { batchSize?: number; maxInFlight?: number; ackTimeoutMs?: number; pollMs?: number };
  readonly backoff?: { baseMs?: number; capMs?: number; stableMs?: number };
  /** QoS 1 events and command results kept while offline (oldest dropped beyond it). */
  readonly maxQueued?: number;
  readonly connect?: (url: string, options: IClientOptions) => MqttClient;
  /** Where `update/job` messages go (install and abort); the retained job comes again on every connect. */
  readonly onUpdateJob?: (job: UpdateJobMessage) => void;
  /** Where `config/desired` goes (retained: it comes again on every connect). */
  readonly onConfigDesired?: (m: ConfigDesiredMessage) => void;
  /** Where `occupancy/relay` goes: the club's other boxes' confirmed passages (counted with the box's own). */
  readonly onOccupancyRelay?: (m: OccupancyRelayMessage) => void;
  /** The fleet session came up (true) or went down (false): the offline rights policy counts from it. */
  readonly onFleetContact?: (connected: boolean) => void;
  /** The public half of the box's ticket key, announced in the `online` state (the fleet publishes it to the club). */
  readonly ticketKey?: { readonly keyId: string; readonly publicKey: string };
}

type UpKind = 'events' | 'commandResult' | 'updateStatus';

/**
 * The box's link to the fleet: one MQTT session (connection.ts) carrying retained state
 * with a last will, periodic health, events, the pass outbox, rights sync and remote
 * commands. Nothing here is on a lane's decision path: lanes journal and decide with what
 * is local; the uplink reads the journal and swaps rights versions in between.
 */
export class Uplink {
  readonly events: EventSource;
  private readonly connection: FleetConnection;
  private readonly outbox: PassOutbox;
  private readonly rightsSync: RightsSync;
  private readonly runner: CommandRunner;
  private readonly health: HealthReporter;
  private readonly bootId = `boot-${randomUUID()}`;
  private readonly queued: { kind: UpKind; message: MessageOf<UpKind> }[] = [];
  private healthTimer: TimerHandle | undefined;
  private clockOffset: number | null = null;
  private configReport: ConfigReportedMessage | null = null;

  constructor(private readonly o: UplinkOptions) {
    const log = o.logger;
    this.connection = new FleetConnection(
      {
        url: o.url,
        boxId: o.boxId,
        password: o.password,
        clock: o.clock,
        logger: log,
        random: o.random ?? Math.random,
        ...(o.backoff?.baseMs !== undefined ? { backoffBaseMs: o.backoff.baseMs } : {}),
        ...(o.backoff?.capMs !== undefined ? { backoffCapMs: o.backoff.capMs } : {}),
        ...(o.backoff?.stableMs !== undefined ? { stableMs: o.backoff.stableMs } : {}),
        will: { topic: topicFor('state', o.boxId), payload: this.stateMessage('offline', 'last-will') },
        ...(o.connect ? { connect: o.connect } : {}),
      },
      { onConnected: (s) => this.onConnected(s), onDisconnected: () => this.onDisconnected(), onMessage: (t, p) => this.onMessage(t, p) },
    );
    this.outbox = new PassOutbox({ journal: o.journal, clock: o.clock, logger: log, publish: (p) => this.connection.publish(topicFor('passes', o.boxId), p, 1, false), ...o.outbox });
    this.rightsSync = new RightsSync({
      store: o.rights,
      clock: o.clock,
      logger: log,
      sendRequest: (m) => this.send('rightsRequest', m),
      sendStatus: (m) => this.send('rightsStatus', m),
    });
    this.runner = new CommandRunner({ target: o.commands, clock: o.clock, logger: log, sendResult: (m) => this.sendOrQueue('commandResult', m) });
    this.events = new EventSource(o.clock, (e) => this.sendOrQueue('events', e));
    this.health = new HealthReporter({
      agentVersion: o.agentVersion,
      clock: o.clock,
      dataDir: o.dataDir,
      rights: () => o.rights.status(),
      journal: () => o.journal.stats(),
      oldestUnsentTs: () => o.journal.readUnsent(1)[0]?.ts ?? null,
      devices: () => [...o.devices.values()].map((d) => d.status()),
      lanes: o.lanes,
      clockOffsetMs: () => this.clockOffset,
    });
  }

  get connected(): boolean {
    return this.connection.connected;
  }

  start(): void {
    this.events.watchDevices(this.o.devices.values());
    this.connection.start();
    this.healthTimer = this.o.clock.setInterval(() => void this.publishHealth(), this.o.healthIntervalMs ?? 30_000);
  }

  async stop(): Promise<void> {
    this.o.clock.clearInterval(this.healthTimer);
    this.events.stop();
    this.outbox.stop();
    await this.connection.stop({ topic: topicFor('state', this.o.boxId), payload: this.stateMessage('offline', 'shutdown') });
  }

  /** Sends a health report now (also on the timer). */
  async publishHealth(): Promise<boolean> {
    if (!this.connection.connected) return false;
    try {
      return this.send('health', await this.health.collect());
    } catch (e) {
      this.o.logger.error({ err: e }, 'health report failed');
      return false;
    }
  }

  /** Sends an `update/status` now, or keeps it (in order) until the next connect. */
  publishUpdateStatus(status: UpdateStatusMessage): void {
    this.sendOrQueue('updateStatus', status);
  }

  /** Box clock minus fleet clock at the last pass ack, or null before any. */
  clockOffsetMs(): number | null {
    return this.clockOffset;
  }

  /**
   * The doctor's broker round trip: a `doctor.ran` event published QoS 1, resolved once the
   * broker acknowledged it (it also marks the run in the box's timeline). Rejects when offline.
   */
  async brokerRoundTrip(): Promise<void> {
    const event = this.events.build({ kind: 'doctor.ran', severity: 'info', message: 'box doctor ran' });
    await this.connection.publishAcked(topicFor('events', this.o.boxId), encode('events', event));
  }

  /** Sends `config/reported` now if connected; the latest one is sent again on every connect. */
  publishConfigReported(m: ConfigReportedMessage): void {
    this.configReport = m;
    this.send('configReported', m);
  }

  /** Sends an event the uplink did not produce itself (update.rolled-back), queued while offline. */
  publishEvent(event: EventMessage): void {
    this.sendOrQueue('events', event);
  }

  private onConnected(sessionPresent: boolean): void {
    this.connection.subscribe(boxSubscriptions(this.o.boxId));
    this.send('state', { v: 1, state: 'online', reason: 'connected', agentVersion: this.o.agentVersion, ...this.releaseFields(), bootId: this.bootId, ts: this.o.clock.now(), ...(this.o.ticketKey ? { ticketKey: this.o.ticketKey } : {}) });
    for (const q of this.queued.splice(0)) this.send(q.kind, q.message);
    if (this.configReport) this.send('configReported', this.configReport);
    this.rightsSync.connected(sessionPresent);
    this.o.onFleetContact?.(true);
    this.outbox.connected();
    void this.publishHealth();
  }

  private onDisconnected(): void {
    this.o.onFleetContact?.(false);
    this.outbox.disconnected();
  }

  private onMessage(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (!parsed.ok || parsed.value.boxId !== this.o.boxId) {
      this.o.logger.warn({ topic }, 'UPLINK_MESSAGE_INVALID: message on an unexpected topic');
      return;
    }
    switch (parsed.value.kind) {
      case 'passAck': {
        const ack = this.decoded('passAck', payload);
        if (!ack) return;
        this.clockOffset = this.o.clock.now() - ack.ts;
        this.outbox.onAck(ack);
        return;
      }
      case 'rights': {
        const m = this.decoded('rights', payload);
        if (m) this.rightsSync.onMessage(m);
        return;
      }
      case 'command':
        void this.runner.onMessage(payload);
        return;
      case 'updateJob': {
        // An empty retained payload is the fleet clearing the job: nothing to do.
        if (payload.length === 0) return;
        const job = this.decoded('updateJob', payload);
        if (job) this.o.onUpdateJob?.(job);
        return;
      }
      case 'configDesired': {
        if (payload.length === 0) return;
        const m = this.decoded('configDesired', payload);
        if (m) this.o.onConfigDesired?.(m);
        return;
      }
      case 'occupancyRelay': {
        const m = this.decoded('occupancyRelay', payload);
        if (!m) return;
        // A box's own passages are counted already; the fleet never sends them back, but a misrouted copy must not count twice.
        if (m.originBoxId === this.o.boxId) return void this.o.logger.warn({ code: 'UPLINK_MESSAGE_INVALID' }, 'UPLINK_MESSAGE_INVALID: relayed passages of this box itself, ignored');
        try {
          this.o.onOccupancyRelay?.(m);
        } catch (e) {
          this.o.logger.error({ err: e, origin: m.originBoxId }, 'relayed passages could not be stored');
        }
        return;
      }
      default:
        this.o.logger.debug({ kind: parsed.value.kind }, 'message kind not handled by the uplink');
    }
  }

  private decoded<K extends TopicKind>(kind: K, payload: Buffer): MessageOf<K> | null {
    const d = decode(kind, payload);
    if (d.ok) return d.value;
    this.o.logger.warn({ kind, error: d.error }, 'UPLINK_MESSAGE_INVALID: message refused');
    return null;
  }

  private send<K extends TopicKind>(kind: K, message: MessageOf<K>): boolean {
    const spec = TOPICS[kind];
    return this.connection.publish(topicFor(kind, this.o.boxId), encode(kind, message), spec.qos, spec.retain);
  }

  private sendOrQueue<K extends UpKind>(kind: K, message: MessageOf<K>): void {
    if (this.send(kind, message)) return;
    this.queued.push({ kind, message });
    if (this.queued.length > (this.o.maxQueued ?? 1000)) this.queued.shift();
  }

  private stateMessage(state: 'online' | 'offline', reason: 'connected' | 'shutdown' | 'last-will'): Uint8Array {
    return encode('state', { v: 1, state, reason, agentVersion: this.o.agentVersion, ...this.releaseFields(), bootId: this.bootId, ts: this.o.clock.now() });
  }

  private releaseFields(): { hardware?: string; previousVersion?: string | null } {
    const r = this.o.release;
    return r ? { hardware: r.hardware, previousVersion: r.previousVersion } : {};
  }

}
