import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../../platform/log.ts';
import { DEFAULT_MAX_PENDING, SerialHandler, topicMatches, type FleetBus } from './bus.ts';

export interface ExternalBrokerOptions {
  /** mqtt://, mqtts://, ws:// or wss:// URL of the broker. */
  readonly url: string;
  /** The fleet's service identity on that broker (full rights in its ACL). */
  readonly username: string;
  readonly password: string;
  /**
   * Client id; with Mosquitto's use_username_as_clientid the username is used instead.
   * The session is persistent (clean = false) so QoS 1 messages sent while the fleet
   * restarts wait in the broker.
   */
  readonly clientId?: string;
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
    protocolVersion: 4,
    username: options.username,
    password: options.password,
    clientId: options.clientId ?? options.username,
    clean: false,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...(options.ca ? { ca: options.ca } : {}),
  };
  const client: MqttClient = await mqtt.connectAsync(options.url, clientOptions);
  const routes = new Set<{ filter: string; serial: SerialHandler }>();
  client.on('message', (topic, payload, packet) => {
    for (const r of routes) if (topicMatches(r.filter, topic)) void r.serial.push({ topic, payload, retain: packet.retain });
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
      const route = { filter, serial };
      routes.add(route);
      const granted = await client.subscribeAsync(filter, { qos: 1 });
      if (granted.some((g) => g.qos === 128)) {
        routes.delete(route);
        throw Object.assign(new Error(`broker refused the fleet's subscription to ${filter}`), { code: 'BUS_SUBSCRIBE_REFUSED' });
      }
      return async () => {
        routes.delete(route);
        if (![...routes].some((r) => r.filter === filter)) await client.unsubscribeAsync(filter);
      };
    },
    onLink(listener) {
      linkListeners.add(listener);
    },
    async close() {
      linkListeners.clear();
      routes.clear();
      await client.endAsync();
    },
  };
}
