import type { CodedError } from '../../protocol/core/index.ts';

/** The store's coded error catalog (house rule 10). */
export type StoreErrorCode =
  | 'STORE_MIGRATION_NAME' // a file in the migrations folder is not named NNN-name.sql
  | 'STORE_MIGRATION_DUPLICATE' // two files share one version number
  | 'STORE_MIGRATION_CHANGED' // an applied migration's file no longer matches its checksum
  | 'STORE_MIGRATION_FAILED' // a migration's SQL failed; its transaction was rolled back
  | 'STORE_OUTSIDE_TRANSACTION' // a transaction's callback called the store instead of its own repositories
  | 'STORE_URL_INVALID' // the --store / RESABOX_FLEET_STORE value is neither a SQLite path nor a postgres:// URL
  | 'STORE_UNREACHABLE' // the PostgreSQL server did not answer or refused the connection
  | 'STORE_MIGRATE_SOURCE_MISSING' // migrate-store: no SQLite file at the --from path
  | 'STORE_MIGRATE_TARGET_NOT_EMPTY' // migrate-store: the PostgreSQL database already holds fleet rows
  | 'STORE_MIGRATE_SCHEMA_MISMATCH' // migrate-store: a SQLite table or column has no PostgreSQL counterpart
  | 'STORE_MIGRATE_COUNT_MISMATCH'; // migrate-store: a table's row counts differ after the copy (rolled back)

export class StoreError extends Error implements CodedError<StoreErrorCode> {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly detail?: unknown,
  ) {
    super(`${code}: ${message}`);
    this.name = 'StoreError';
  }
}

export const outsideTransactionError = (): StoreError =>
  new StoreError('STORE_OUTSIDE_TRANSACTION', 'a transaction callback used the store instead of its tx repositories');
