import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Clock, TimerHandle } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { reconnectPolicy, type ReconnectPolicy } from './backoff.ts';
import { UplinkError } from './errors.ts';

export interface ConnectionOptions {
  readonly url: string;
  /** Also the MQTT client id and username: the broker refuses any other client id. */
  readonly boxId: string;
  readonly password: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** In [0, 1): the jitter source (Math.random in production, seeded in tests). */
  readonly random: () => number;
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
  /** A connection that lasted this long resets the backoff; shorter ones keep widening it (backoff.ts). */
  readonly stableMs?: number;
  readonly connectTimeoutMs?: number;
  readonly keepaliveS?: number;
  /** The retained `state` payload the broker publishes if the box vanishes. */
  readonly will: { readonly topic: string; readonly payload: Uint8Array };
  /** mqtt.connect unless a test swaps it. */
  readonly connect?: (url: string, options: IClientOptions) => MqttClient;
}

export interface ConnectionHandlers {
  onConnected(sessionPresent: boolean): void;
  onDisconnected(): void;
  onMessage(topic: string, payload: Buffer): void;
}

const SERVER_UNAVAILABLE = 3;

/**
 * One MQTT 3.1.1 session with the fleet (clean: false, client id = box id, last will on
 * `state`). mqtt.js's own reconnect is disabled: every loss schedules a fresh client after
 * a full-jitter backoff delay (backoff.ts) on the injected clock. Publishing while offline
 * is refused (returns false): what must not be lost (passes) lives in the journal and is
 * re-sent from its cursor after the next connect.
 */
export class FleetConnection {
  private client: MqttClient | undefined;
  private readonly policy: ReconnectPolicy;
  private retryTimer: TimerHandle | undefined;
  private stopped = true;
  private connected_ = false;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.policy = reconnectPolicy(options.random, () => options.clock.monotonic(), {
      ...(options.backoffBaseMs !== undefined ? { baseMs: options.backoffBaseMs } : {}),
      ...(options.backoffCapMs !== undefined ? { capMs: options.backoffCapMs } : {}),
      ...(options.stableMs !== undefined ? { stableMs: options.stableMs } : {}),
    });
  }

  get connected(): boolean {
    return this.connected_;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt();
  }

  /** Publishes `last` (the clean `offline` state) if connected, then closes the session. */
  async stop(last?: { topic: string; payload: Uint8Array }): Promise<void> {
    this.stopped = true;
    this.options.clock.clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (this.connected_ && last) {
      await Promise.race([client.publishAsync(last.topic, Buffer.from(last.payload), { qos: 1, retain: true }).catch(() => undefined), delay(2000)]);
    }
    this.setDisconnected();
    await client.endAsync(true).catch(() => undefined);
  }

  /** Fire and forget; false when there is no connection (nothing is queued). */
  publish(topic: string, payload: Uint8Array, qos: 0 | 1, retain: boolean): boolean {
    const client = this.client;
    if (!client || !this.connected_) return false;
    client.publish(topic, Buffer.from(payload), { qos, retain }, (e) => {
      if (e) this.options.logger.debug({ err: e, topic }, 'publish not completed');
    });
    return true;
  }

  /** QoS 1 publish that resolves once the broker acknowledged it (PUBACK): the doctor's round trip. */
  async publishAcked(topic: string, payload: Uint8Array): Promise<void> {
    const client = this.client;
    if (!client || !this.connected_) throw new UplinkError('UPLINK_NOT_CONNECTED', 'not connected to the fleet broker');
    await client.publishAsync(topic, Buffer.from(payload), { qos: 1, retain: false });
  }

  subscribe(topics: string[]): void {
    this.client?.subscribe(topics, { qos: 1 }, (e) => {
      if (e) this.options.logger.warn({ err: e }, 'subscribe failed');
    });
  }

  private attempt(): void {
    if (this.stopped) return;
    const o = this.options;
    const client = (o.connect ?? mqtt.connect)(o.url, {
      protocolVersion: 4,
      clientId: o.boxId,
      username: o.boxId,
      password: o.password,
      clean: false,
      reconnectPeriod: 0,
      connectTimeout: o.connectTimeoutMs ?? 15_000,
      keepalive: o.keepaliveS ?? 30,
      will: { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: 1, retain: true },
      // mqtt-packet's default pre-builds one Buffer per packet id (65,536 of them, about 7 MB
      // of heap) to save an allocation per publish; a box publishes a few messages a second.
      writeCache: false,
    });
    this.client = client;
    let closed = false;
    let busy = false;
    client.on('connect', (connack) => {
      if (this.client !== client) return;
      this.connected_ = true;
      this.policy.connected();
      o.logger.info({ sessionPresent: connack.sessionPresent }, 'connected to the fleet');
      this.handlers.onConnected(connack.sessionPresent);
    });
    client.on('message', (topic, payload) => {
      if (this.client === client) this.handlers.onMessage(topic, payload);
    });
    client.on('error', (e) => {
      // CONNACK 3: the fleet is up and admitting connections at its rate; retry within its short busy window.
      if ((e as { code?: unknown }).code === SERVER_UNAVAILABLE) {
        busy = true;
        o.logger.info({ code: 'UPLINK_FLEET_BUSY' }, 'fleet busy, retrying within seconds');
      } else o.logger.warn({ err: e }, 'fleet connection error');
    });
    client.on('close', () => {
      if (closed || this.client !== client) return;
      closed = true;
      this.setDisconnected();
      client.end(true);
      if (this.stopped) return;
      const wait = this.policy.next(busy ? 'busy' : 'lost');
      o.logger.info({ retryInMs: wait, attempt: this.policy.attempts }, 'fleet connection lost, reconnecting');
      this.retryTimer = o.clock.setTimeout(() => this.attempt(), wait);
    });
  }

  private setDisconnected(): void {
    if (!this.connected_) return;
    this.connected_ = false;
    this.handlers.onDisconnected();
  }
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
