/**
 * Which grants carry their explanation (refusals always do): a configured share, spread
 * evenly and deterministically (share 0.25 explains every fourth grant), so a box explains
 * exactly its share and tests need no randomness. One per box, shared by its lanes.
 */
export class GrantSampler {
  private credit = 0;

  /** `share` of grants to explain, 0 (none) to 1 (all). */
  constructor(private readonly share: number) {
    if (!(share >= 0 && share <= 1)) throw new RangeError(`grant explanation share must be within 0..1, got ${share}`);
  }

  /** Whether the next decision, if it is a grant, should be explained. */
  armed(): boolean {
    return this.share > 0 && this.credit + this.share >= 1 - EPSILON;
  }

  /** A grant was decided (explained or not). */
  granted(): void {
    this.credit += this.share;
    if (this.credit >= 1 - EPSILON) this.credit -= 1;
  }
}

/** Float sums of a share such as 0.1 land a hair under 1. */
const EPSILON = 1e-9;
