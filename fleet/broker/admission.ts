import { availableParallelism } from 'node:os';

/**
 * How many box connections the fleet admits: a sustained rate with a burst above it, and a
 * bound on the connects being checked at the same moment.
 */
export interface AdmissionOptions {
  readonly perSecond: number;
  readonly burst: number;
  /**
   * Connects whose store reads and secret check are in progress at once. On a starved
   * machine the checks slow down; without this bound the rate would keep admitting boxes
   * whose check then ends after their own connect timeout (15 s), so they retry and count
   * twice. With it, what is admitted is answered promptly and the rest is told "busy".
   */
  readonly maxInFlight: number;
}

/**
 * Admission control for box connections: a token bucket over the time source given, and a
 * count of the checks in progress. When 10,000 boxes reconnect at once (a fleet restart, a
 * network back), the ones above the rate or the bound are refused at once with CONNACK 3
 * "server unavailable", before the store read and the secret check, and retry on the
 * agent's short busy window (agent/uplink/backoff.ts): the fleet stays responsive for
 * ingestion and the boxes come in at the rate it sustains instead of timing out together.
 */
export class ConnectAdmission {
  private tokens: number;
  private last: number;
  private inFlight = 0;

  constructor(
    private readonly o: AdmissionOptions,
    private readonly now: () => number,
  ) {
    this.tokens = o.burst;
    this.last = now();
  }

  /** True when one more connection may be checked now; the caller must then call release() once. */
  admit(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.o.burst, this.tokens + ((t - this.last) / 1000) * this.o.perSecond);
    this.last = t;
    if (this.tokens < 1 || this.inFlight >= this.o.maxInFlight) return false;
    this.tokens -= 1;
    this.inFlight++;
    return true;
  }

  /** The admitted connect's check ended (accepted or refused). */
  release(): void {
    if (this.inFlight > 0) this.inFlight--;
  }

  get checking(): number {
    return this.inFlight;
  }
}

/**
 * The default, per core of the machine: the secret checks run on libuv's thread pool and
 * scale with the cores, the rest of a connect (aedes' session, the box's subscriptions and
 * first messages) costs the fleet's event loop about 1 ms. At 250 a second per core, a
 * 2-core fleet takes 10,000 boxes back in about 20 s with half its loop left for ingestion;
 * an 8-core one in about 5 s.
 */
export function defaultAdmission(cores = availableParallelism()): AdmissionOptions {
  const perSecond = 250 * Math.max(1, cores);
  return { perSecond, burst: perSecond, maxInFlight: 64 };
}

/** The options for `--connect-rate N`: N a second, bursts of N, the default in-flight bound. */
export function admissionAtRate(perSecond: number): AdmissionOptions {
  return { perSecond, burst: perSecond, maxInFlight: defaultAdmission().maxInFlight };
}
