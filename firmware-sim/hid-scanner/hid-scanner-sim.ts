import type { Clock, TimerHandle } from '../../platform/clock.ts';
import { encodeRolloverReport } from '../../protocol/hid/report.ts';
import { reportsForTypedText } from '../../protocol/hid/type-text.ts';
import type { SimLink } from '../link.ts';

/** A device end that can also leave the bus (FakeHidDevice). */
export interface PluggableLink extends SimLink {
  unplug(): void;
  plug(): void;
}

export interface HidScannerSimOptions {
  clock: Clock;
  /** Delay between reports; 0 sends a whole scan at once, as fast scanners do. */
  reportIntervalMs?: number;
  /** Prefix every keyboard report with this report id (composite devices). */
  reportId?: number;
}

/**
 * A USB keyboard-wedge badge reader or QR scanner: types text as boot keyboard reports (key
 * down + all-zero release per character, Enter at the end), one input report per link write.
 * Scriptable: scan, hold a badge (re-typed periodically), rollover, stray bytes, go silent, unplug.
 */
export class HidScannerSim {
  private readonly clock: Clock;
  private readonly interval: number;
  private readonly reportId: number | undefined;
  private queue: Uint8Array[] = [];
  private pump: TimerHandle | undefined;
  private hold: TimerHandle | undefined;
  private silent = false;
  /** Lines typed so far. */
  scans = 0;

  constructor(
    private readonly link: PluggableLink,
    options: HidScannerSimOptions,
  ) {
    this.clock = options.clock;
    this.interval = options.reportIntervalMs ?? 0;
    this.reportId = options.reportId;
  }

  /** Types `text` then Enter. Throws for characters a US-layout keyboard cannot type. */
  scan(text: string): void {
    const reports = reportsForTypedText(text);
    if (!reports) throw new Error(`a US keyboard layout cannot type ${JSON.stringify(text)}`);
    if (this.silent) return;
    this.scans++;
    this.enqueue(reports);
  }

  /** A card left on the reader: typed now and again every `everyMs` until release(). */
  holdBadge(text: string, everyMs: number): void {
    this.release();
    this.scan(text);
    this.hold = this.clock.setInterval(() => this.scan(text), everyMs);
  }

  release(): void {
    this.clock.clearInterval(this.hold);
    this.hold = undefined;
  }

  /** The keyboard reports ErrorRollOver (too many keys at once). */
  rollover(): void {
    this.enqueue([encodeRolloverReport()]);
  }

  /** Raw bytes as one input report, sent as they are (another function's report, a broken one). */
  sendRaw(report: Uint8Array): void {
    this.enqueue([report], false);
  }

  goSilent(on = true): void {
    this.silent = on;
  }

  unplug(): void {
    this.release();
    this.queue = [];
    this.clock.clearTimeout(this.pump);
    this.pump = undefined;
    this.link.unplug();
  }

  plug(): void {
    this.link.plug();
  }

  private enqueue(keyboardReports: Uint8Array[], addId = true): void {
    const id = this.reportId;
    const reports = id === undefined || !addId ? keyboardReports : keyboardReports.map((r) => Uint8Array.of(id, ...r));
    if (this.interval === 0) {
      for (const r of reports) this.link.write(r);
      return;
    }
    this.queue.push(...reports);
    if (!this.pump) this.next();
  }

  private next(): void {
    const report = this.queue.shift();
    this.pump = undefined;
    if (!report) return;
    this.link.write(report);
    this.pump = this.clock.setTimeout(() => this.next(), this.interval);
  }
}
