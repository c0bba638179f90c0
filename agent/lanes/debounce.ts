/**
 * Drops repeated reads of the same credential at one lane. EM4100 modules repeat the frame
 * every ~65 ms while the card stays in the field and people badge twice out of habit: a
 * read within `windowMs` of the previous read of the same credential is a duplicate, and
 * the window slides with each read (a card held at the reader never triggers twice).
 */
export class Debouncer {
  private readonly lastSeen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** Records the read at monotonic time `at`; true if it repeats a read still within the window. */
  isDuplicate(key: string, at: number): boolean {
    const previous = this.lastSeen.get(key);
    this.lastSeen.set(key, at);
    if (this.lastSeen.size > 64) this.forgetOlderThan(at - this.windowMs);
    return previous !== undefined && at - previous < this.windowMs;
  }

  private forgetOlderThan(limit: number): void {
    for (const [key, at] of this.lastSeen) if (at < limit) this.lastSeen.delete(key);
  }
}
