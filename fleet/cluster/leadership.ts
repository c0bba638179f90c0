import pg from 'pg';
import type { Clock, TimerHandle } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';

/**
 * Whether this fleet instance runs the singleton work (rollout clock, alert clock,
 * retention, repository re-signing, presence reconciliation, notification sending).
 */
export interface Leadership {
  readonly leader: boolean;
  /** Called with true when this instance becomes the holder, false when it stops being it. */
  onChange(listener: (leader: boolean) => void): void;
  close(): Promise<void>;
}

/** One fleet (SQLite, or a single instance): always the holder. */
export function soleLeadership(): Leadership {
  return {
    leader: true,
    onChange: (l) => l(true),
    close: async () => undefined,
  };
}

/** Two-int advisory lock keys: "RBX1" is the migrations' (pg-migrate.ts), "RBX2" this module's. */
const LOCK_CLASS = 0x52425832;
export const SINGLETON_LOCK = 1;
export const ROLLOUT_STEP_LOCK = 2;

export interface PgLeadershipOptions {
  readonly connection: pg.ClientConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often a follower tries the lock and the holder checks its connection (default 1 s). */
  readonly checkMs?: number;
  /** A check not answered within this fails (default 5 s: a loaded server is slow, not gone). */
  readonly queryTimeoutMs?: number;
}

/**
 * The holder is the instance whose dedicated connection holds a session-level advisory
 * lock. When that process dies, PostgreSQL ends its session and frees the lock at once
 * (a vanished machine: when the server's TCP keepalive gives up, see docs/operations.md);
 * a follower takes it at its next try, within `checkMs`. A holder whose connection fails
 * a check steps down before reconnecting: it acts as holder without the lock at most one
 * check plus the query timeout after its session is gone.
 */
export class PgLeadership implements Leadership {
  private client: pg.Client | undefined;
  private timer: TimerHandle | undefined;
  private holding = false;
  private closed = false;
  private readonly listeners = new Set<(leader: boolean) => void>();
  private readonly checkMs: number;

  private constructor(private readonly o: PgLeadershipOptions) {
    this.checkMs = o.checkMs ?? 1000;
  }

  /** Starts trying; resolves after the first try, so a lone instance starts as the holder. */
  static async start(o: PgLeadershipOptions): Promise<PgLeadership> {
    const l = new PgLeadership(o);
    await l.check();
    return l;
  }

  get leader(): boolean {
    return this.holding;
  }

  onChange(listener: (leader: boolean) => void): void {
    this.listeners.add(listener);
    if (this.holding) listener(true);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.o.clock.clearTimeout(this.timer);
    this.set(false);
    // Ending the session frees the lock for the others now, not at a timeout.
    await this.drop();
  }

  private async check(): Promise<void> {
    try {
      this.client ??= await this.connect();
      if (this.holding) await this.client.query('SELECT 1');
      else {
        const r = await this.client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS got', [LOCK_CLASS, SINGLETON_LOCK]);
        if (r.rows[0]?.got) this.set(true);
      }
    } catch (e) {
      this.o.logger.warn({ err: (e as Error).message, code: 'CLUSTER_LOCK_LOST' }, this.holding ? 'lost the singleton lock connection: stepping down' : 'singleton lock connection failed');
      this.set(false);
      await this.drop();
    }
    if (!this.closed) this.timer = this.o.clock.setTimeout(() => void this.check(), this.checkMs);
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ ...this.o.connection, application_name: 'resabox-fleet-leader', query_timeout: this.o.queryTimeoutMs ?? 5000, keepAlive: true });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  private async drop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  private set(leader: boolean): void {
    if (leader === this.holding) return;
    this.holding = leader;
    this.o.logger.info({ code: leader ? 'CLUSTER_LEADER' : 'CLUSTER_FOLLOWER' }, leader ? 'this instance now runs the singleton work' : 'this instance no longer runs the singleton work');
    for (const l of this.listeners) l(leader);
  }
}

/** Runs one step at a time across every instance (rollout engine steps). */
export interface StepLock {
  run<T>(fn: () => Promise<T>): Promise<T>;
}

export const localStepLock: StepLock = { run: (fn) => fn() };

/** A transaction-free advisory lock on a pooled connection, held for the step; a dead holder's session frees it. */
export function pgStepLock(pool: pg.Pool): StepLock {
  return {
    async run(fn) {
      const client = await pool.connect();
      let unlocked = false;
      try {
        await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_CLASS, ROLLOUT_STEP_LOCK]);
        try {
          return await fn();
        } finally {
          await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, ROLLOUT_STEP_LOCK]);
          unlocked = true;
        }
      } finally {
        // A connection that may still hold the lock is closed, not handed back to the pool.
        client.release(unlocked ? undefined : true);
      }
    },
  };
}
