/** Where progress goes: a terminal gets a redrawn bar, anything else plain lines. */
export interface ProgressSink {
  write(text: string): void;
  readonly isTTY: boolean;
}

export const stderrSink: ProgressSink = {
  write: (t) => void process.stderr.write(t),
  get isTTY() {
    return process.stderr.isTTY === true;
  },
};

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--';
  if (s < 60) return `${Math.ceil(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s`;
}

/** One progress line: `label  45% 12.0 MiB / 26.6 MiB  3.1 MiB/s  ETA 5 s`. */
export function progressLine(label: string, done: number, total: number, elapsedMs: number, width = 24): { text: string; pct: number } {
  const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  const eta = rate > 0 ? (total - done) / rate : Number.NaN;
  const filled = Math.round((pct / 100) * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  return { text: `${label} ${bar} ${String(pct).padStart(3)}% ${formatBytes(done)} / ${formatBytes(total)}  ${formatBytes(Math.round(rate))}/s  ETA ${formatSeconds(eta)}`, pct };
}

/**
 * Renders one task's byte progress: on a terminal a bar redrawn in place (bytes, rate,
 * ETA), otherwise a plain line every 10 % (logs and CI stay readable); `quiet` prints
 * nothing (--json).
 */
export class ProgressReporter {
  private startedAt = 0;
  private lastPct = -1;
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    private readonly sink: ProgressSink,
    private readonly now: () => number = Date.now,
    private readonly quiet = false,
  ) {}

  update(done: number, total: number): void {
    if (this.quiet) return;
    const t = this.now();
    if (this.startedAt === 0) this.startedAt = t;
    const { text, pct } = progressLine(this.label, done, total, t - this.startedAt);
    if (this.sink.isTTY) {
      if (t - this.lastDraw < 100 && pct < 100) return;
      this.lastDraw = t;
      this.sink.write(`\r${text}\u001b[K`);
    } else if (Math.floor(pct / 10) > Math.floor(this.lastPct / 10) || (pct === 100 && this.lastPct < 100)) {
      this.sink.write(`${text}\n`);
    }
    this.lastPct = pct;
  }

  /** Ends the bar's line on a terminal. */
  done(): void {
    if (!this.quiet && this.sink.isTTY && this.lastPct >= 0) this.sink.write('\n');
  }
}
