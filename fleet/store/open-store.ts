import { join } from 'node:path';
import { StoreError } from './errors.ts';
import { openPostgresStore } from './pg-store.ts';
import type { FleetStore } from './repositories.ts';
import { openSqliteStore } from './sqlite-store.ts';

/** The variable that selects the store when no --store flag does. */
export const STORE_ENV = 'RESABOX_FLEET_STORE';

const isPostgres = (spec: string) => /^postgres(ql)?:\/\//.test(spec);

/**
 * Where the fleet keeps its data: a `postgres://user:pass@host:port/db` URL, or a SQLite
 * file (a path, or `sqlite:PATH`). Nothing set: SQLite at <data-dir>/fleet.db, the default.
 */
export function storeSpec(flag: string | undefined, dataDir: string): string {
  return flag ?? process.env[STORE_ENV] ?? join(dataDir, 'fleet.db');
}

export async function openStore(spec: string): Promise<FleetStore> {
  if (isPostgres(spec)) return openPostgresStore(spec);
  const path = spec.startsWith('sqlite:') ? spec.slice('sqlite:'.length) : spec;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path) || path === '') throw new StoreError('STORE_URL_INVALID', `${spec.replace(/\/\/[^@/]*@/, '//***@')}: the store is a postgres:// URL or a SQLite file path`);
  return openSqliteStore(path);
}
