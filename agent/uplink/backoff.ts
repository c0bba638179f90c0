/**
 * Exponential backoff with full jitter: the n-th retry waits a uniform random time in
 * [0, min(cap, base * 2^n)]. After a fleet restart, 10,000 boxes that lost their connection
 * at the same instant spread their reconnects over the whole window instead of arriving
 * together (and again together at each doubling, as plain exponential backoff would).
 * The cap is kept low (DEFAULT_BACKOFF: 20 s) so that a box whose network returns delivers
 * its backlog within seconds; the fleet's admission control (CONNACK 3 when busy) is what
 * bounds a storm, not a long blind window on each box.
 *
 * A busy refusal (CONNACK 3) is the fleet's word that it is up and admitting at its rate:
 * it starts its own window short (busyBaseMs, doubling to busyCapMs) and puts the loss
 * backoff back to its first window, so a box that waited at the 20 s cap through an outage
 * retries within a second once the fleet answers. The busy window still doubles to the same
 * 20 s cap: each refusal costs the fleet an accept and a CONNACK, and 10,000 boxes retrying
 * every few seconds would spend on refusals the CPU the admitted connects need.
 */
export const DEFAULT_BACKOFF = { baseMs: 500, capMs: 20_000, stableMs: 10_000, busyBaseMs: 1000, busyCapMs: 20_000 } as const;

export interface BackoffOptions {
  readonly baseMs: number;
  readonly capMs: number;
  /** In [0, 1); injected so tests are deterministic. */
  readonly random: () => number;
}

export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** The delay before the next attempt; each call widens the window up to the cap. */
  next(): number {
    const { baseMs, capMs, random } = this.options;
    const window = Math.min(capMs, baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.floor(random() * window);
  }

  /** The link proved stable: the next loss starts again from the smallest window. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

export interface ReconnectOptions {
  readonly baseMs: number;
  readonly capMs: number;
  /** A connection that lasted this long resets the loss backoff; shorter ones keep widening it. */
  readonly stableMs: number;
  readonly busyBaseMs: number;
  readonly busyCapMs: number;
  readonly random: () => number;
  /** Monotonic milliseconds. */
  readonly now: () => number;
}

/** Why an attempt or a connection ended: `busy` is a CONNACK 3 refusal, `lost` anything else. */
export type CloseReason = 'lost' | 'busy';

/**
 * The box's reconnect rule, one place for the agent (FleetConnection) and for the simulated
 * boxes of the benchmarks, so that they retry as a box in the field does.
 */
export class ReconnectPolicy {
  private readonly lost: Backoff;
  private readonly busy: Backoff;
  private connectedAt: number | undefined;

  constructor(private readonly o: ReconnectOptions) {
    this.lost = new Backoff({ baseMs: o.baseMs, capMs: o.capMs, random: o.random });
    this.busy = new Backoff({ baseMs: o.busyBaseMs, capMs: o.busyCapMs, random: o.random });
  }

  connected(): void {
    this.connectedAt = this.o.now();
    this.busy.reset();
  }

  /** The delay before the next attempt, after an attempt or a connection ended for `reason`. */
  next(reason: CloseReason): number {
    if (this.connectedAt !== undefined && this.o.now() - this.connectedAt >= this.o.stableMs) this.lost.reset();
    this.connectedAt = undefined;
    if (reason === 'lost') return this.lost.next();
    this.lost.reset();
    return this.busy.next();
  }

  /** Attempts since the last reset, busy refusals included (for the log). */
  get attempts(): number {
    return this.lost.attempts + this.busy.attempts;
  }
}

/** The policy with the agent's defaults, overridable per option. */
export function reconnectPolicy(random: () => number, now: () => number, o: Partial<Omit<ReconnectOptions, 'random' | 'now'>> = {}): ReconnectPolicy {
  return new ReconnectPolicy({ ...DEFAULT_BACKOFF, ...o, random, now });
}
