import type { CodedError } from '../../protocol/core/index.ts';

/** The store's coded error catalog (house rule 10). */
export type StoreErrorCode =
  | 'STORE_MIGRATION_NAME' // a file in the migrations folder is not named NNN-name.sql
  | 'STORE_MIGRATION_DUPLICATE' // two files share one version number
  | 'STORE_MIGRATION_CHANGED' // an applied migration's file no longer matches its checksum
  | 'STORE_MIGRATION_FAILED' // a migration's SQL failed; its transaction was rolled back
  | 'STORE_OUTSIDE_TRANSACTION' // a transaction's callback called the store instead of its own repositories
  | 'STORE_URL_INVALID' // the --store / RESABOX_FLEET_STORE value is neither a SQLite path nor a postgres:// URL
  | 'STORE_UNREACHABLE'; // the PostgreSQL server did not answer or refused the connection

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
