import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { AlertEngine } from '../alerts/engine.ts';
import { buildApi, type FleetApi } from '../api/app.ts';
import type { RateLimitOptions } from '../api/rate-limit.ts';
import { createBoxAccess, type BrokerAccessHooks } from '../broker/box-access.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../broker/embedded-broker.ts';
import type { BoundAddresses, ListenOptions } from '../broker/listeners.ts';
import { createMosquittoAuthSync } from '../broker/mosquitto-auth.ts';
import type { FleetBus } from '../bus/bus.ts';
import { connectExternalBus } from '../bus/mqtt-bus.ts';
import { startIngest, type Ingest } from '../ingest/ingest.ts';
import { openSqliteStore, type SqliteFleetStore } from '../store/sqlite-store.ts';

export interface ExternalBrokerConfig {
  url: string;
  username: string;
  password: string;
  ca?: string | Buffer;
  /** Mosquitto files the fleet rewrites when boxes are enrolled or revoked, and how to make it reload them. */
  mosquitto?: { passwordFile: string; aclFile: string; serviceHash: string; reload: () => void };
}

export interface FleetServiceOptions {
  dataDir: string;
  clock: Clock;
  logger: Logger;
  /** The embedded broker's listeners, unless `externalBroker` is given. */
  mqttListen?: ListenOptions;
  externalBroker?: ExternalBrokerConfig;
  /** The MQTT URL enrolled boxes are told to connect to; default from the embedded TCP listener. */
  publicMqttUrl?: string;
  http?: { port: number; host: string; tls?: { cert: string | Buffer; key: string | Buffer }; trustProxy?: boolean | string };
  processMetrics?: boolean;
  enrollmentRateLimit?: RateLimitOptions;
  /** The URL boxes fetch the TUF repository from; default `<API URL>/repository`. */
  publicRepositoryUrl?: string;
  maxArtifactBytes?: number;
}

export interface FleetService {
  readonly store: SqliteFleetStore;
  readonly api: FleetApi;
  readonly bus: FleetBus;
  readonly broker: EmbeddedBroker | null;
  readonly mqttAddresses: BoundAddresses;
  /** Where the API listens ("http://127.0.0.1:8080"), or null when it does not listen. */
  readonly httpUrl: string | null;
  close(): Promise<void>;
}

/**
 * The composition root of the fleet: store, broker (embedded aedes, or an external broker
 * through its bus), ingest, alerts, then the API with its command and rights handlers.
 * Closed in reverse order.
 */
export async function startFleetService(o: FleetServiceOptions): Promise<FleetService> {
  mkdirSync(o.dataDir, { recursive: true });
  const store = openSqliteStore(join(o.dataDir, 'fleet.db'));
  const closers: (() => Promise<void> | void)[] = [() => store.close()];
  const closeAll = async () => {
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch (e) {
        o.logger.warn({ err: e }, 'error while stopping the fleet');
      }
    }
  };
  try {
    let broker: EmbeddedBroker | null = null;
    let bus: FleetBus;
    let hooks: BrokerAccessHooks;
    if (o.externalBroker) {
      const ext = o.externalBroker;
      bus = await connectExternalBus({ url: ext.url, username: ext.username, password: ext.password, ca: ext.ca, logger: o.logger });
      closers.push(() => bus.close());
      const files = ext.mosquitto
        ? createMosquittoAuthSync({
            passwordFile: ext.mosquitto.passwordFile,
            aclFile: ext.mosquitto.aclFile,
            service: { username: ext.username, hash: ext.mosquitto.serviceHash },
            activeBoxes: () => store.boxes.list({ status: 'active' }),
            reload: ext.mosquitto.reload,
          })
        : null;
      hooks = {
        credentialsChanged: () => files?.sync(),
        // The reload drops the box from the password file; Mosquitto re-checks on the next connect.
        disconnectBox: (boxId) => o.logger.info({ boxId }, 'external broker: box removed from the password file'),
      };
    } else {
      broker = await startEmbeddedBroker({ boxes: store.boxes, listen: o.mqttListen ?? { tcp: { port: 1883 } }, logger: o.logger });
      const b = broker;
      closers.push(() => b.close());
      bus = broker.bus;
      hooks = { credentialsChanged: () => undefined, disconnectBox: (boxId) => void b.disconnectBox(boxId) };
    }
    const access = createBoxAccess(store.boxes, hooks, o.clock);
    const alerts = new AlertEngine({ store, clock: o.clock, logger: o.logger });
    alerts.start();
    closers.push(() => alerts.stop());
    const ingest: Ingest = await startIngest({
      bus,
      store,
      clock: o.clock,
      logger: o.logger,
      listener: { onState: (id) => alerts.evaluate(id), onHealth: (id) => alerts.evaluate(id), onEvent: (id) => alerts.evaluate(id) },
    });
    closers.push(() => ingest.stop());
    const mqttAddresses = broker?.addresses ?? {};
    const publicMqttUrl = o.publicMqttUrl ?? (o.externalBroker ? o.externalBroker.url : `mqtt://localhost:${mqttAddresses.tcp ?? 1883}`);
    let httpUrl: string | null = null;
    const repositoryUrl = () => o.publicRepositoryUrl ?? `${httpUrl ?? 'http://localhost:8080'}/repository`;
    const api = await buildApi({
      db: store.db,
      bus,
      access,
      clock: o.clock,
      logger: o.logger,
      mqttUrl: publicMqttUrl,
      processMetrics: o.processMetrics,
      enrollmentRateLimit: o.enrollmentRateLimit,
      https: o.http?.tls,
      trustProxy: o.http?.trustProxy,
      updates: { repositoryDir: join(o.dataDir, 'repository'), repositoryUrl, ...(o.maxArtifactBytes ? { maxArtifactBytes: o.maxArtifactBytes } : {}) },
    });
    closers.push(() => api.close());
    await api.ctx.commands.start();
    closers.push(() => api.ctx.commands.stop());
    await api.ctx.rights.start();
    closers.push(() => api.ctx.rights.stop());
    await api.ctx.rollouts.start();
    closers.push(() => api.ctx.rollouts.stop());
    if (o.http) {
      await api.listen({ port: o.http.port, host: o.http.host });
      const addr = api.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : o.http.port;
      httpUrl = `${o.http.tls ? 'https' : 'http'}://${o.http.host === '0.0.0.0' ? 'localhost' : o.http.host}:${port}`;
    }
    return { store, api, bus, broker, mqttAddresses, httpUrl, close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
