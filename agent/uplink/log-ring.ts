/**
 * The agent's recent log lines, in memory, for the fleet's `fetch-logs` command: the
 * newest lines, at most `capacity` of them and at most `maxTotalChars` in all (older ones
 * are dropped: fetch-logs returns at most 200 KiB, holding more only costs the box memory),
 * each cut to `maxLineChars` so a runaway log call cannot hold the memory. Fed as a pino
 * destination (`write(chunk)`).
 */
export class LogRing {
  private readonly lines: string[] = [];
  /** Index of the oldest line in `lines` once the ring has wrapped (lines are overwritten there). */
  private oldest = 0;
  private count = 0;
  private chars = 0;

  constructor(
    private readonly capacity = 5000,
    private readonly maxLineChars = 4096,
    private readonly maxTotalChars = 256 * 1024,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`LogRing capacity must be a positive integer, got ${capacity}`);
    if (!(maxTotalChars >= maxLineChars + 1)) throw new RangeError(`LogRing maxTotalChars must hold one whole line (${maxLineChars + 1} chars), got ${maxTotalChars}`);
  }

  /** pino writes one JSON line (newline-terminated) per call; several are split. */
  write(chunk: string): boolean {
    for (const line of chunk.split('\n')) if (line.length > 0) this.push(line.length > this.maxLineChars ? `${line.slice(0, this.maxLineChars)}…` : line);
    return true;
  }

  get size(): number {
    return this.count;
  }

  /**
   * The last `count` lines, newest last, keeping only the newest that fit in `maxChars`
   * (the command result travels in one MQTT message with a size limit).
   */
  tail(count: number, maxChars = Number.POSITIVE_INFINITY): string[] {
    const n = Math.min(Math.max(0, Math.floor(count)), this.count);
    const out: string[] = [];
    let chars = 0;
    for (let i = this.count - 1; i >= this.count - n; i--) {
      const line = this.at(i);
      chars += line.length + 3;
      if (chars > maxChars) break;
      out.push(line);
    }
    return out.reverse();
  }

  /** The i-th line held, oldest first. */
  private at(i: number): string {
    return this.lines[(this.oldest + i) % this.capacity] ?? '';
  }

  private push(line: string): void {
    while (this.count > 0 && (this.count >= this.capacity || this.chars + line.length > this.maxTotalChars)) this.dropOldest();
    const slot = (this.oldest + this.count) % this.capacity;
    if (slot === this.lines.length) this.lines.push(line);
    else this.lines[slot] = line;
    this.count++;
    this.chars += line.length;
  }

  private dropOldest(): void {
    this.chars -= this.at(0).length;
    this.lines[this.oldest] = '';
    this.oldest = (this.oldest + 1) % this.capacity;
    this.count--;
  }
}
