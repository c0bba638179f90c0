/** How many box connections the fleet admits: a sustained rate and a burst above it. */
export interface AdmissionOptions {
  readonly perSecond: number;
  readonly burst: number;
}

/**
 * Admission control for box connections: a token bucket over the time source given. When
 * 10,000 boxes reconnect at once (a fleet restart, a network back), the ones above the
 * rate are refused at once with CONNACK 3 "server unavailable", before the costly secret
 * check, and retry after their backoff: the fleet stays responsive and the boxes come
 * in at the rate it sustains instead of timing out together.
 */
export class ConnectAdmission {
  private tokens: number;
  private last: number;

  constructor(
    private readonly o: AdmissionOptions,
    private readonly now: () => number,
  ) {
    this.tokens = o.burst;
    this.last = now();
  }

  /** True when one more connection may be checked now. */
  admit(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.o.burst, this.tokens + ((t - this.last) / 1000) * this.o.perSecond);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Sized on the 2-core bench: the embedded broker checks about 600 secrets a second. */
export const DEFAULT_ADMISSION: AdmissionOptions = { perSecond: 400, burst: 800 };
