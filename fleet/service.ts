import { systemClock, type Clock } from '../platform/clock.ts';
import { createLogger, type Logger } from '../platform/log.ts';
import { AlertEngine, type AlertChange } from './alerts/engine.ts';
import { Notifier, type NotifierOptions } from './alerts/notify/notifier.ts';
import type { AlertThresholds } from './alerts/rules.ts';
import type { ServiceIdentity } from './broker/access-control.ts';
import type { AdmissionOptions } from './broker/admission.ts';
import { createBoxAccess, type BoxAccess, type BrokerAccessHooks } from './broker/box-access.ts';
import { mosquittoHash } from './broker/credentials.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker/embedded-broker.ts';
import type { ListenOptions } from './broker/listeners.ts';
import { createMosquittoAuthSync } from './broker/mosquitto-auth.ts';
import { Presence } from './broker/presence.ts';
import type { FleetBus } from './bus/bus.ts';
import { connectExternalBus } from './bus/mqtt-bus.ts';
import { PgLeadership, soleLeadership, type Leadership } from './cluster/leadership.ts';
import { runSingletons } from './cluster/singletons.ts';
import { startHealthRetention, type HealthRetention } from './ingest/health-retention.ts';
import { startIngest, type Ingest } from './ingest/ingest.ts';
import { openStore } from './store/open-store.ts';
import type { PgFleetStore } from './store/pg-store.ts';
import type { FleetStore } from './store/repositories.ts';

export type FleetBrokerOptions =
  | {
      readonly kind: 'embedded';
      readonly listen: ListenOptions;
      readonly maxPayloadBytes?: number;
      readonly service?: ServiceIdentity;
      /** Box connections admitted per second (broker/admission.ts). */
      readonly admission?: AdmissionOptions | false;
    }
  | {
      readonly kind: 'external';
      readonly url: string;
      /** The fleet's service identity on the broker. */
      readonly username: string;
      readonly password: string;
      readonly ca?: string | Buffer;
      /**
       * When set, the fleet owns Mosquitto's password and ACL files: it rewrites them on
       * every enrolment/revocation and calls `reload` (send SIGHUP to Mosquitto).
       */
      readonly mosquitto?: { readonly passwordFile: string; readonly aclFile: string; readonly reload: () => void };
    };

export interface FleetOptions {
  /** A SQLite file (":memory:" only for throwaway tests) or a postgres:// URL (store/open-store.ts). */
  readonly databasePath: string;
  readonly broker: FleetBrokerOptions;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly alerts?: { thresholds?: Partial<AlertThresholds>; tickMs?: number; onChange?: (c: AlertChange) => void };
  readonly healthRetention?: HealthRetention;
  /** Alert notifications: the SMTP server for e-mail subscriptions, retry pace. */
  readonly notifications?: Omit<NotifierOptions, 'desk' | 'clock' | 'logger'>;
  /** How long a box has, after the fleet's broker link comes up, to show it is there (default 1.5 × the boxes' 30 s keepalive). */
  readonly presenceGraceMs?: number;
  /**
   * This instance's name when several fleet instances share one PostgreSQL store and one
   * external broker (shared subscriptions, singleton work under an advisory lock; see
   * fleet/cluster). Absent: the fleet is alone and runs everything.
   */
  readonly instance?: string;
  /** How often a follower instance tries to take the singleton work over (default 1 s). */
  readonly leadershipCheckMs?: number;
}

/** The running fleet core; the API plugs its HTTP server in with these handles. */
export interface Fleet {
  readonly store: FleetStore;
  readonly bus: FleetBus;
  /** Present in embedded mode: addresses, counters, connected boxes. */
  readonly broker: EmbeddedBroker | undefined;
  readonly boxAccess: BoxAccess;
  readonly ingest: Ingest;
  readonly alerts: AlertEngine;
  readonly presence: Presence;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Whether this instance runs the singleton work now (always, for a lone fleet). */
  readonly leadership: Leadership;
  close(): Promise<void>;
}

/** Several instances need peers they can share: PostgreSQL and an external broker (aedes lives inside one process). */
export class ClusterSetupError extends Error {
  readonly code = 'CLUSTER_NEEDS_SHARED_PEERS';
}

export function isPgStore(store: FleetStore): store is PgFleetStore {
  return 'pool' in store;
}

export async function createFleet(options: FleetOptions): Promise<Fleet> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger('fleet');
  const store = await openStore(options.databasePath);
  const closers: (() => Promise<void> | void)[] = [() => store.close()];
  const closeAll = async () => {
    for (const c of closers.splice(0).reverse()) await c();
  };
  try {
    const clustered = options.instance !== undefined;
    if (clustered && (options.broker.kind !== 'external' || !isPgStore(store))) throw new ClusterSetupError('several fleet instances (--instance) need a postgres:// store and an external broker (--broker-url)');
    const leadership = clustered && isPgStore(store) ? await PgLeadership.start({ connection: store.pool.options, clock, logger: logger.child({ component: 'cluster' }), ...(options.leadershipCheckMs ? { checkMs: options.leadershipCheckMs } : {}) }) : soleLeadership();
    closers.push(() => leadership.close());
    let bus: FleetBus;
    let broker: EmbeddedBroker | undefined;
    let hooks: BrokerAccessHooks;
    const b = options.broker;
    if (b.kind === 'embedded') {
      broker = await startEmbeddedBroker({ boxes: store.boxes, listen: b.listen, logger: logger.child({ component: 'broker' }), ...(b.maxPayloadBytes ? { maxPayloadBytes: b.maxPayloadBytes } : {}), ...(b.service ? { service: b.service } : {}), ...(b.admission !== undefined ? { admission: b.admission } : {}) });
      const embedded = broker;
      closers.push(() => embedded.close());
      bus = broker.bus;
      // The embedded broker reads credentials from the store on every connect.
      hooks = { credentialsChanged: () => undefined, disconnectBox: (id) => void embedded.disconnectBox(id) };
    } else {
      const m = b.mosquitto;
      if (m) {
        const sync = createMosquittoAuthSync({
          passwordFile: m.passwordFile,
          aclFile: m.aclFile,
          service: { username: b.username, hash: mosquittoHash(b.password) },
          activeBoxes: () => store.boxes.list({ status: 'active' }),
          reload: m.reload,
        });
        await sync.sync();
        // Mosquitto 2 drops, on reload, the clients whose credentials are gone.
        hooks = { credentialsChanged: () => sync.sync(), disconnectBox: () => undefined };
      } else {
        hooks = { credentialsChanged: () => undefined, disconnectBox: (id) => logger.warn({ box: id }, 'external broker not managed by the fleet: cut the box off there') };
      }
      bus = await connectExternalBus({ url: b.url, username: b.username, password: b.password, logger: logger.child({ component: 'bus' }), ...(b.ca ? { ca: b.ca } : {}), ...(options.instance !== undefined ? { instance: options.instance } : {}) });
      const external = bus;
      closers.push(() => external.close());
    }
    const embedded = broker;
    // The engine asks presence whether boxes may still be reconnecting; presence tells it which boxes it marked offline.
    const notifier = new Notifier({ desk: store.alertDesk, clock, logger: logger.child({ component: 'notify' }), ...(options.notifications ?? {}) });
    const userOnChange = options.alerts?.onChange;
    const engine: AlertEngine = new AlertEngine({
      store,
      clock,
      logger: logger.child({ component: 'alerts' }),
      presenceSettled: () => presence.settled(),
      ...(options.alerts ?? {}),
      // Every alert the engine opens (box rules, a halted rollout) is offered to the notifier.
      onChange: (c) => {
        notifier.onAlertChange(c);
        userOnChange?.(c);
      },
    });
    closers.push(() => notifier.stop());
    const presence: Presence = new Presence({
      boxes: store.boxes,
      clock,
      logger: logger.child({ component: 'presence' }),
      ...(options.presenceGraceMs !== undefined ? { graceMs: options.presenceGraceMs } : {}),
      ...(embedded ? { connectedNow: () => embedded.connectedBoxIds() } : {}),
      onOffline: (id) => engine.evaluate(id),
      onSettled: () => engine.tick(),
      sharedHearing: clustered,
    });
    const retentionLogger = logger.child({ component: 'retention' });
    let retention: { stop(): void } | undefined;
    // One instance at a time; a lone fleet runs them all, and reconciles presence before ingesting (what the store says predates this start).
    const singletons = runSingletons(
      leadership,
      [
        { name: 'presence', start: () => presence.linkUp(), stop: () => presence.stop() },
        { name: 'alert-clock', start: () => engine.start(), stop: () => engine.stop() },
        { name: 'notifications', start: () => notifier.start(), stop: () => notifier.pause() },
        { name: 'health-retention', start: () => void (retention = startHealthRetention(store.health, clock, retentionLogger, options.healthRetention)), stop: () => retention?.stop() },
      ],
      logger.child({ component: 'cluster' }),
    );
    closers.push(() => singletons.stop());
    await singletons.settled();
    embedded?.onBoxGone((id) => void presence.disconnected(id));
    bus.onLink?.((up) => {
      if (leadership.leader) void (up ? presence.linkUp() : presence.linkDown());
    });
    const ingest = await startIngest({
      bus,
      store,
      clock,
      logger: logger.child({ component: 'ingest' }),
      // Only printer events feed a rule; other events need no evaluation (the tick covers time).
      listener: {
        onState: (id) => engine.evaluate(id),
        onHealth: (id) => presence.heardFrom(id).then(() => engine.evaluate(id)),
        onEvent: (id, e) => (e.kind.startsWith('printer.') ? engine.evaluate(id) : undefined),
      },
    });
    closers.push(() => ingest.stop());
    return { store, bus, broker, boxAccess: createBoxAccess(store.boxes, hooks, clock), ingest, alerts: engine, presence, notifier, clock, logger, leadership, close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
