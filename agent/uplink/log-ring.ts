/**
 * The agent's recent log lines, in memory, for the fleet's `fetch-logs` command: the
 * newest `capacity` lines (older ones are overwritten), each cut to `maxLineChars` so a
 * runaway log call cannot hold the memory. Fed as a pino destination (`write(chunk)`).
 */
export class LogRing {
  private readonly lines: string[] = [];
  private next = 0;

  constructor(
    private readonly capacity = 5000,
    private readonly maxLineChars = 4096,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`LogRing capacity must be a positive integer, got ${capacity}`);
  }

  /** pino writes one JSON line (newline-terminated) per call; several are split. */
  write(chunk: string): boolean {
    for (const line of chunk.split('\n')) if (line.length > 0) this.push(line.length > this.maxLineChars ? `${line.slice(0, this.maxLineChars)}…` : line);
    return true;
  }

  get size(): number {
    return this.lines.length;
  }

  /**
   * The last `count` lines, newest last, keeping only the newest that fit in `maxChars`
   * (the command result travels in one MQTT message with a size limit).
   */
  tail(count: number, maxChars = Number.POSITIVE_INFINITY): string[] {
    const n = Math.min(Math.max(0, Math.floor(count)), this.lines.length);
    const out: string[] = [];
    let chars = 0;
    for (let i = 1; i <= n; i++) {
      const line = this.lines[(this.next - i + this.lines.length) % this.lines.length] ?? '';
      chars += line.length + 3;
      if (chars > maxChars) break;
      out.push(line);
    }
    return out.reverse();
  }

  private push(line: string): void {
    if (this.lines.length < this.capacity) this.lines.push(line);
    else this.lines[this.next] = line;
    this.next = (this.next + 1) % this.capacity;
  }
}
