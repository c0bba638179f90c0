import { AsyncLocalStorage } from 'node:async_hooks';
import { SqliteRolloutStore } from '../rollouts/rollout-store.ts';
import { SqliteAlertDesk } from './alert-desk.ts';
import { SqliteAuditTrail } from './audit-trail.ts';
import { SqliteBoxDirectory } from './box-directory.ts';
import { SqliteCommandLog } from './command-log.ts';
import { openDatabase, type SqliteDb } from './db.ts';
import { SqliteDesiredConfigs } from './desired-configs.ts';
import { SqliteEnrollmentRequests } from './enrollment-requests.ts';
import { StoreError } from './errors.ts';
import { SqliteFleetHistory } from './fleet-history.ts';
import { SqliteLiveProbe } from './live-probe.ts';
import { SqlitePassReports } from './pass-reports.ts';
import type { FleetRepositories, FleetStore } from './repositories.ts';
import { SqliteRightsCatalog } from './rights-catalog.ts';
import { sqliteAlerts } from './sqlite-alerts.ts';
import { sqliteBoxes, sqliteClubs, sqliteDevices } from './sqlite-boxes.ts';
import { sqlitePasses } from './sqlite-passes.ts';
import { sqliteEvents, sqliteHealth } from './sqlite-telemetry.ts';
import { SqliteSupportQueries } from './support-queries.ts';
import { SqliteTokenRegistry } from './token-registry.ts';

export interface SqliteFleetStore extends FleetStore {
  /** For tests that plant faults (triggers) and for migrate-store; nothing else should reach for it. */
  readonly db: SqliteDb;
}

function sqliteRepositories(db: SqliteDb): FleetRepositories {
  return {
    clubs: sqliteClubs(db),
    boxes: sqliteBoxes(db),
    devices: sqliteDevices(db),
    health: sqliteHealth(db),
    events: sqliteEvents(db),
    passes: sqlitePasses(db),
    alerts: sqliteAlerts(db),
    alertDesk: new SqliteAlertDesk(db),
    directory: new SqliteBoxDirectory(db),
    history: new SqliteFleetHistory(db),
    passReports: new SqlitePassReports(db),
    audit: new SqliteAuditTrail(db),
    commands: new SqliteCommandLog(db),
    enrollments: new SqliteEnrollmentRequests(db),
    rights: new SqliteRightsCatalog(db),
    tokens: new SqliteTokenRegistry(db),
    rollouts: new SqliteRolloutStore(db),
    desiredConfigs: new SqliteDesiredConfigs(db),
    live: new SqliteLiveProbe(db),
    support: new SqliteSupportQueries(db),
  };
}

/**
 * One connection serves everything, so an open transaction would take in any statement
 * run while its callback awaits. Outside calls therefore wait until no transaction is
 * open, and transactions run one at a time. A call to the store's own repositories from
 * inside a transaction's callback would wait for itself: it is refused instead.
 */
const outsideError = () => new StoreError('STORE_OUTSIDE_TRANSACTION', 'a transaction callback used the store instead of its tx repositories');

class TransactionGate {
  private open: Promise<void> | undefined;
  private readonly inside = new AsyncLocalStorage<true>();

  /**
   * Runs `fn` once no transaction is open. The check and the call happen in one turn, so no
   * transaction can begin in between.
   */
  when<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.open) return fn();
    if (this.inside.getStore()) return Promise.reject(outsideError());
    return this.open.then(() => this.when(fn));
  }

  async run<T>(db: SqliteDb, fn: () => Promise<T>): Promise<T> {
    while (this.open) {
      if (this.inside.getStore()) throw outsideError();
      await this.open;
    }
    let done!: () => void;
    this.open = new Promise((resolve) => (done = resolve));
    try {
      db.exec('BEGIN IMMEDIATE');
      try {
        const out = await this.inside.run(true, fn);
        db.exec('COMMIT');
        return out;
      } catch (e) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw e;
      }
    } finally {
      this.open = undefined;
      done();
    }
  }

  /** The repository with every method waiting for idle() first. */
  guard<R extends object>(repo: R): R {
    const cache = new Map<PropertyKey, unknown>();
    return new Proxy(repo, {
      get: (target, prop) => {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        let wrapped = cache.get(prop);
        if (!wrapped) {
          const fn = value as (...args: unknown[]) => Promise<unknown>;
          wrapped = (...args: unknown[]) => this.when(() => fn.apply(target, args));
          cache.set(prop, wrapped);
        }
        return wrapped;
      },
    });
  }
}

/** Opens the SQLite file (":memory:" for throwaway use), migrates it, builds the repositories. */
export function openSqliteStore(path: string, options: { migrationsDir?: string } = {}): SqliteFleetStore {
  const { db } = openDatabase(path, options);
  const tx = sqliteRepositories(db);
  const gate = new TransactionGate();
  const outside = Object.fromEntries(Object.entries(tx).map(([k, r]) => [k, gate.guard(r as object)])) as unknown as FleetRepositories;
  return {
    db,
    ...outside,
    transaction: (fn) => gate.run(db, () => fn(tx)),
    close: () =>
      gate.when(async () => {
        db.close();
      }),
  };
}
