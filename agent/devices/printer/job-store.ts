import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PrintJob, PrintJobState } from '../printer-port.ts';

export interface StoredJob {
  readonly job: PrintJob;
  readonly state: PrintJobState;
  readonly attempts: number;
}

/** What survives an agent restart: the pending jobs in order, and the ids recently finished. */
export interface QueueSnapshot {
  readonly pending: readonly StoredJob[];
  readonly finished: readonly { readonly jobId: string; readonly state: 'printed' | 'failed' }[];
  /** Set by load() when the stored queue was unreadable and was moved aside to this path. */
  readonly quarantinedTo?: string;
}

/** Where the job queue is kept. `save` is called before every side effect on the printer. */
export interface JobStore {
  load(): QueueSnapshot;
  save(snapshot: QueueSnapshot): void;
}

export class MemoryJobStore implements JobStore {
  private snapshot: QueueSnapshot = { pending: [], finished: [] };
  load(): QueueSnapshot {
    return structuredClone(this.snapshot);
  }
  save(snapshot: QueueSnapshot): void {
    this.snapshot = structuredClone(snapshot);
  }
}

/**
 * The queue as one small JSON file, replaced atomically (write temp, fsync, rename, fsync
 * the folder): a power cut leaves the old or the new queue, never a torn one. A queue
 * holds a handful of tickets, so rewriting it whole is cheaper than a database.
 */
export class JsonFileJobStore implements JobStore {
  constructor(private readonly path: string) {}

  load(): QueueSnapshot {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { pending: [], finished: [] };
      throw e;
    }
    let parsed: { version?: unknown; pending?: unknown; finished?: unknown } | undefined;
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      parsed = undefined;
    }
    if (parsed?.version !== 1 || !Array.isArray(parsed.pending) || !Array.isArray(parsed.finished)) {
      // Keep the unreadable file for a human rather than overwrite it with an empty queue.
      const aside = `${this.path}.corrupt-${Date.now()}`;
      renameSync(this.path, aside);
      return { pending: [], finished: [], quarantinedTo: aside };
    }
    return { pending: parsed.pending as StoredJob[], finished: parsed.finished as QueueSnapshot['finished'] };
  }

  save(snapshot: QueueSnapshot): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, JSON.stringify({ version: 1, ...snapshot }));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    const dirFd = openSync(dirname(this.path), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}
