/** The journal's coded errors (one catalog per area). */
export type JournalErrorCode =
  /** The database file could not be opened, created or migrated. */
  | 'JOURNAL_OPEN_FAILED'
  /** The file opened but is not a journal this version understands (newer schema). */
  | 'JOURNAL_SCHEMA_UNSUPPORTED'
  /** A commit failed (disk full, I/O error); the rows stay queued and are retried. */
  | 'JOURNAL_WRITE_FAILED'
  /** append()/ack() after close(), or rows still unwritten when close() gave up. */
  | 'JOURNAL_CLOSED'
  /** An ack names a sequence number the journal never wrote. */
  | 'JOURNAL_ACK_BEYOND_END';

export class JournalError extends Error {
  override readonly name = 'JournalError';
  constructor(
    readonly code: JournalErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
