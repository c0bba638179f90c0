import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { buildApi, type FleetApi } from '../api/app.ts';
import type { RateLimitOptions } from '../api/rate-limit.ts';
import type { AdmissionOptions } from '../broker/admission.ts';
import { ListenError, listenReason, type BoundAddresses, type ListenOptions } from '../broker/listeners.ts';
import { rolloutNotices } from '../rollouts/notices.ts';
import { RepositoryResignJob } from '../rollouts/resign-job.ts';
import { loadKeys } from '../rollouts/tuf-keys.ts';
import type { OnlineKeys } from '../rollouts/tuf-repository.ts';
import { createFleet, isPgStore, type Fleet, type FleetBrokerOptions, type FleetOptions } from '../service.ts';
import { localStepLock, pgStepLock } from '../cluster/leadership.ts';
import { runSingletons, type SingletonJob } from '../cluster/singletons.ts';

export interface FleetServiceOptions {
  dataDir: string;
  /** A postgres:// URL or a SQLite file (store/open-store.ts); default <dataDir>/fleet.db. */
  store?: string;
  clock: Clock;
  logger: Logger;
  /** The embedded broker's listeners, unless `externalBroker` is given. */
  mqttListen?: ListenOptions;
  externalBroker?: Omit<Extract<FleetBrokerOptions, { kind: 'external' }>, 'kind'>;
  /** The MQTT URL enrolled boxes are told to connect to; default from the embedded TCP listener. */
  publicMqttUrl?: string;
  http?: { port: number; host: string; tls?: { cert: string | Buffer; key: string | Buffer }; trustProxy?: boolean | string };
  processMetrics?: boolean;
  enrollmentRateLimit?: RateLimitOptions;
  /** The URL boxes fetch the TUF repository from; default `<API URL>/repository`. */
  publicRepositoryUrl?: string;
  maxArtifactBytes?: number;
  /**
   * A folder with the repository's online keys (snapshot.key.json, timestamp.key.json,
   * as `resabox bundle keys init` writes them): the fleet then publishes a new
   * snapshot and timestamp for each targets.json support uploads, and re-signs them before
   * they expire (RepositoryResignJob). Without them, every metadata file is signed offline.
   */
  repositoryKeysDir?: string;
  /** How often the re-signing job looks at the expiries (default hourly). */
  resignEveryMs?: number;
  /** See FleetOptions.notifications. */
  notifications?: FleetOptions['notifications'];
  /** See FleetOptions.presenceGraceMs. */
  presenceGraceMs?: number;
  /** Offline this long opens "box offline" (default 2 min). */
  boxOfflineAfterMs?: number;
  /** See FleetOptions.instance: one of several fleet instances. */
  instance?: string;
  /** See FleetOptions.leadershipCheckMs. */
  leadershipCheckMs?: number;
  /** The embedded broker's connect rate (broker/admission.ts; default defaultAdmission(): per core). */
  admission?: AdmissionOptions;
}

export interface FleetService {
  /** The fleet core (store, broker or bus, ingest, alerts) of fleet/service.ts. */
  readonly fleet: Fleet;
  readonly api: FleetApi;
  readonly mqttAddresses: BoundAddresses;
  /** Where the API listens ("http://127.0.0.1:8080"), or null when it does not listen. */
  readonly httpUrl: string | null;
  close(): Promise<void>;
}

/**
 * The whole fleet service: the core of createFleet() (store, broker, ingest, alerts), then
 * the API with its command-result and rights-request handlers, listening if asked.
 * Closed in reverse order.
 */
/** The snapshot and timestamp keys of a key folder; both are needed. */
async function onlineKeysIn(dir: string): Promise<OnlineKeys> {
  const keys = await loadKeys(dir);
  if (keys.snapshot.length === 0 || keys.timestamp.length === 0) throw new Error(`${dir}: the repository keys folder needs snapshot.key.json and timestamp.key.json`);
  return { snapshot: keys.snapshot, timestamp: keys.timestamp };
}

export async function startFleetService(o: FleetServiceOptions): Promise<FleetService> {
  mkdirSync(o.dataDir, { recursive: true });
  const onlineKeys = o.repositoryKeysDir ? await onlineKeysIn(o.repositoryKeysDir) : null;
  const fleet = await createFleet({
    databasePath: o.store ?? join(o.dataDir, 'fleet.db'),
    broker: o.externalBroker ? { kind: 'external', ...o.externalBroker } : { kind: 'embedded', listen: o.mqttListen ?? { tcp: { port: 1883 } }, ...(o.admission ? { admission: o.admission } : {}) },
    clock: o.clock,
    logger: o.logger,
    ...(o.presenceGraceMs !== undefined ? { presenceGraceMs: o.presenceGraceMs } : {}),
    ...(o.notifications ? { notifications: o.notifications } : {}),
    ...(o.boxOfflineAfterMs !== undefined ? { alerts: { thresholds: { boxOfflineAfterMs: o.boxOfflineAfterMs } } } : {}),
    ...(o.instance !== undefined ? { instance: o.instance } : {}),
    ...(o.leadershipCheckMs !== undefined ? { leadershipCheckMs: o.leadershipCheckMs } : {}),
  });
  const closers: (() => Promise<void> | void)[] = [() => fleet.close()];
  const closeAll = async () => {
    for (const c of closers.splice(0).reverse()) {
      try {
        await c();
      } catch (e) {
        o.logger.warn({ err: e }, 'error while stopping the fleet');
      }
    }
  };
  try {
    const mqttAddresses = fleet.broker?.addresses ?? {};
    const publicMqttUrl = o.publicMqttUrl ?? (o.externalBroker ? o.externalBroker.url : `mqtt://localhost:${mqttAddresses.tcp ?? 1883}`);
    let httpUrl: string | null = null;
    const repositoryUrl = () => o.publicRepositoryUrl ?? `${httpUrl ?? 'http://localhost:8080'}/repository`;
    const api = await buildApi({
      store: fleet.store,
      bus: fleet.bus,
      access: fleet.boxAccess,
      clock: o.clock,
      logger: o.logger,
      mqttUrl: publicMqttUrl,
      processMetrics: o.processMetrics,
      ingestStats: fleet.ingest.stats,
      enrollmentRateLimit: o.enrollmentRateLimit,
      https: o.http?.tls,
      trustProxy: o.http?.trustProxy,
      updates: { repositoryDir: join(o.dataDir, 'repository'), repositoryUrl, ...(o.maxArtifactBytes ? { maxArtifactBytes: o.maxArtifactBytes } : {}), ...(onlineKeys ? { onlineKeys } : {}), notices: rolloutNotices({ alerts: fleet.alerts, openAlerts: fleet.store.alerts, events: fleet.store.events, clock: o.clock }), stepLock: isPgStore(fleet.store) && o.instance !== undefined ? pgStepLock(fleet.store.pool) : localStepLock },
    });
    closers.push(() => api.close());
    await api.ctx.commands.start();
    closers.push(() => api.ctx.commands.stop());
    await api.ctx.rights.start();
    closers.push(() => api.ctx.rights.stop());
    // Every instance handles the status reports it receives; the planning clock and the re-signing run on one.
    await api.ctx.rollouts.listen();
    closers.push(() => api.ctx.rollouts.stop());
    await api.ctx.config.start();
    const jobs: SingletonJob[] = [{ name: 'rollout-clock', start: () => api.ctx.rollouts.startClock(), stop: () => api.ctx.rollouts.stopClock() }];
    if (api.ctx.signer) {
      const resign = new RepositoryResignJob(api.ctx.signer, o.clock, o.logger.child({ component: 'repository' }), o.resignEveryMs);
      jobs.push({ name: RepositoryResignJob.NAME, start: () => resign.start(), stop: () => resign.stop() });
    }
    const singletons = runSingletons(fleet.leadership, jobs, o.logger.child({ component: 'cluster' }));
    closers.push(() => singletons.stop());
    await singletons.settled();
    if (o.http) {
      await api.listen({ port: o.http.port, host: o.http.host }).catch((e: unknown) => {
        throw new ListenError('http', o.http?.port ?? 0, o.http?.host, listenReason(e));
      });
      const addr = api.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : o.http.port;
      httpUrl = `${o.http.tls ? 'https' : 'http'}://${o.http.host === '0.0.0.0' ? 'localhost' : o.http.host}:${port}`;
    }
    return { fleet, api, mqttAddresses, httpUrl, close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
