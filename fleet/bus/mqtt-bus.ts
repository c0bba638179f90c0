import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../../platform/log.ts';
import { DEFAULT_MAX_PENDING, SerialHandler, topicMatches, type BusMessage, type FleetBus } from './bus.ts';
import { FLEET_SUBSCRIPTION_QOS, fleetSessionOptions, MAX_EARLY_MESSAGES, sharedFilter } from './fleet-session.ts';

export interface ExternalBrokerOptions {
  /** mqtt://, mqtts://, ws:// or wss:// URL of the broker. */
  readonly url: string;
  /** The fleet's service identity on that broker (full rights in its ACL). */
  readonly username: string;
  readonly password: string;
  /** Client id (default: the username); the session is persistent (fleet-session.ts). */
  readonly clientId?: string;
  /** This instance's name among several sharing the subscriptions (fleet-session.ts); absent for a single fleet. */
  readonly instance?: string;
  readonly ca?: string | Buffer;
  readonly logger: Logger;
}

/**
 * The FleetBus over an external broker (Mosquitto, EMQX, HiveMQ), as an mqtt.js client
 * speaking MQTT 3.1.1 like the boxes. Authentication and the per-box ACL are then the
 * broker's job (see mosquitto-auth.ts).
 */
export async function connectExternalBus(options: ExternalBrokerOptions): Promise<FleetBus> {
  const log = options.logger;
  const clientOptions: IClientOptions = {
    ...fleetSessionOptions(options),
    ...(options.ca ? { ca: options.ca } : {}),
  };
  const routes = new Set<{ filter: string; serial: SerialHandler }>();
  // A resumed session delivers what was queued for the fleet right after CONNACK, before
  // ingest has subscribed its handlers: those messages wait here, in arrival order.
  let early: BusMessage[] = [];
  const route = (m: BusMessage) => {
    let matched = false;
    for (const r of routes) {
      if (!topicMatches(r.filter, m.topic)) continue;
      matched = true;
      void r.serial.push(m);
    }
    if (matched) return;
    if (early.length < MAX_EARLY_MESSAGES) early.push(m);
    else log.warn({ topic: m.topic, code: 'BUS_OVERLOADED' }, 'message for no handler dropped');
  };
  const client: MqttClient = mqtt.connect(options.url, { ...clientOptions, manualConnect: true });
  client.on('message', (topic, payload, packet) => route({ topic, payload, retain: packet.retain }));
  await new Promise<void>((resolve, reject) => {
    const fail = (e: Error) => (client.end(true), reject(e));
    client.once('connect', () => (client.off('error', fail), resolve()));
    client.once('error', fail);
    client.connect();
  });
  client.on('error', (e) => log.warn({ err: e.message, code: 'BUS_CLIENT_ERROR' }, 'external broker client error'));
  client.on('offline', () => log.warn({ code: 'BUS_OFFLINE' }, 'external broker unreachable, reconnecting'));
  const linkListeners = new Set<(up: boolean) => void>();
  let up = true;
  const setLink = (now: boolean) => {
    if (now === up) return;
    up = now;
    for (const l of linkListeners) l(now);
  };
  client.on('close', () => setLink(false));
  client.on('connect', () => setLink(true));
  return {
    async publish(topic, payload, opts) {
      await client.publishAsync(topic, payload, { qos: opts.qos, retain: opts.retain ?? false });
    },
    async subscribe(filter, handler) {
      const serial = new SerialHandler(
        handler,
        (e, m) => log.error({ err: e, topic: m.topic, code: 'BUS_HANDLER_FAILED' }, 'bus handler failed'),
        DEFAULT_MAX_PENDING,
        (m) => log.warn({ topic: m.topic, code: 'BUS_OVERLOADED' }, 'fleet behind: message dropped'),
      );
      const entry = { filter, serial };
      routes.add(entry);
      const waiting = early.filter((m) => topicMatches(filter, m.topic));
      if (waiting.length > 0) {
        early = early.filter((m) => !topicMatches(filter, m.topic));
        for (const m of waiting) void serial.push(m);
      }
      // Shared: the broker strips the prefix from delivered topics, so routing still matches `filter`.
      const granted = await client.subscribeAsync(options.instance ? sharedFilter(filter) : filter, { qos: FLEET_SUBSCRIPTION_QOS });
      if (granted.some((g) => g.qos === 128)) {
        routes.delete(entry);
        throw Object.assign(new Error(`broker refused the fleet's subscription to ${filter}`), { code: 'BUS_SUBSCRIBE_REFUSED' });
      }
      // Only the handler goes: the broker keeps the session's subscription, so what boxes
      // publish while this fleet is stopped is queued for its return (fleet-session.ts).
      return async () => {
        routes.delete(entry);
      };
    },
    onLink(listener) {
      linkListeners.add(listener);
    },
    connected: () => up,
    async close() {
      linkListeners.clear();
      routes.clear();
      early = [];
      await client.endAsync();
    },
  };
}
