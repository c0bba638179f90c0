import { openDatabase, type SqliteDb } from './db.ts';
import type { FleetStore } from './repositories.ts';
import { sqliteAlerts } from './sqlite-alerts.ts';
import { sqliteBoxes, sqliteClubs, sqliteDevices } from './sqlite-boxes.ts';
import { sqlitePasses } from './sqlite-passes.ts';
import { sqliteEvents, sqliteHealth } from './sqlite-telemetry.ts';

export interface SqliteFleetStore extends FleetStore {
  /** For repositories added on top (the API's tables); nothing else should reach for it. */
  readonly db: SqliteDb;
}

/** Opens the SQLite file (":memory:" for throwaway use), migrates it, builds the repositories. */
export function openSqliteStore(path: string, options: { migrationsDir?: string } = {}): SqliteFleetStore {
  const { db } = openDatabase(path, options);
  return {
    db,
    clubs: sqliteClubs(db),
    boxes: sqliteBoxes(db),
    devices: sqliteDevices(db),
    health: sqliteHealth(db),
    events: sqliteEvents(db),
    passes: sqlitePasses(db),
    alerts: sqliteAlerts(db),
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    close: () => db.close(),
  };
}
