import {
  decodeCommandStep,
  encodeAutomaticStatus,
  encodeErrorCause,
  encodeOfflineCause,
  encodePaperSensor,
  encodePaperStatus,
  encodePrinterInfo,
  type EscposCommand,
} from '../../protocol/escpos/index.ts';
import type { SimLink } from '../link.ts';
import { PaperRenderer, type PaperCommand } from './renderer.ts';
import type { PrintedItem, PrintedTicket } from './ticket.ts';

export type PaperLevel = 'ok' | 'near-end' | 'end';

/** What the simulated printer reports about itself (the CLI's "status" step). */
export interface PrinterSimStatus {
  readonly paper: PaperLevel;
  readonly coverOpen: boolean;
  readonly offline: boolean;
  /** ESC = 0 received: data is ignored until ESC = 1. */
  readonly deselected: boolean;
  readonly tickets: number;
  /** Commands outside the ESC/POS set (ESCPOS_CMD_UNKNOWN), skipped by their first two bytes. */
  readonly unknownCommands: number;
  /** Known commands with a parameter out of range, and control bytes that start no command. */
  readonly badCommands: number;
  readonly discardedBytes: number;
}

/**
 * A simulated ESC/POS thermal printer on a SimLink. It parses the byte stream as a printer
 * does (every command of Epson's set is skipped whole by its length rule; commands outside
 * it and garbage are counted, never thrown, never printed), renders what would be printed
 * (renderer.ts: text in its styles, QR codes, barcodes, images as placeholders with their
 * size), keeps paper and cover state and answers DLE EOT 1-4, GS r 1 and automatic
 * status back.
 *
 * Like a real printer gone offline, while the paper is out or the cover is open it still
 * answers DLE EOT (real-time commands) but discards every other byte; a job interrupted
 * that way is lost and must be sent again. "Silent" models a printer powered off or
 * unplugged: nothing is answered, everything is discarded.
 */
export class EscposPrinterSim {
  /** Tickets that left the printer, cut or interrupted, in order. */
  readonly tickets: PrintedTicket[] = [];
  /** Codes of every command-decoder error seen (garbage on the line). */
  readonly decodeErrors: string[] = [];
  /** Bytes discarded because the printer was offline or silent. */
  discardedBytes = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private items: PrintedItem[] = [];
  private readonly renderer: PaperRenderer;
  private deselected = false;
  private paper: PaperLevel = 'ok';
  private coverOpen_ = false;
  private silent = false;
  private cutterError = false;
  private linesLeft: number | undefined;
  private lineAction: (() => void) | undefined;
  private asbMask = 0;
  private ticketListeners = new Set<(t: PrintedTicket) => void>();
  private readonly unsubscribe: () => void;

  /**
   * `answersPaperSensor: false` models the cheap printers that ignore GS r (the driver
   * then cannot confirm a job and must not print it twice).
   */
  constructor(
    private readonly link: SimLink,
    private readonly options: { answersPaperSensor?: boolean } = {},
  ) {
    this.renderer = new PaperRenderer({
      print: (item) => this.printItem(item),
      cut: (partial) => {
        if (!this.offline) this.finishTicket(partial ? 'partial-cut' : 'full-cut');
      },
      note: (code) => this.decodeErrors.push(code),
    });
    this.unsubscribe = link.onData((chunk) => this.receive(chunk));
  }

  status(): PrinterSimStatus {
    const count = (codes: readonly string[]) => this.decodeErrors.filter((c) => codes.includes(c)).length;
    return {
      paper: this.paper, coverOpen: this.coverOpen_, offline: this.offline, deselected: this.deselected, tickets: this.tickets.length,
      unknownCommands: count(['ESCPOS_CMD_UNKNOWN']), badCommands: count(['ESCPOS_CMD_BAD_PARAM', 'ESCPOS_CMD_BAD_CONTROL']), discardedBytes: this.discardedBytes,
    };
  }

  detach(): void {
    this.unsubscribe();
  }

  onTicket(listener: (t: PrintedTicket) => void): () => void {
    this.ticketListeners.add(listener);
    return () => this.ticketListeners.delete(listener);
  }

  get paperLevel(): PaperLevel {
    return this.paper;
  }

  get coverOpen(): boolean {
    return this.coverOpen_;
  }

  get offline(): boolean {
    return this.paper === 'end' || this.coverOpen_ || this.cutterError;
  }

  // --- script -------------------------------------------------------------

  setPaper(level: PaperLevel): void {
    if (level === 'end') return this.runOut();
    this.paper = level;
    this.statusChanged();
  }

  /** The roll runs out after `lines` more printed lines (QR codes and barcodes count as one). */
  paperEndAfterLines(lines: number): void {
    this.afterLines(lines, () => this.runOut());
  }

  /** Runs a script step (open the cover, go silent...) once `lines` more lines were printed. */
  afterLines(lines: number, action: () => void): void {
    this.linesLeft = Math.max(0, lines);
    this.lineAction = action;
    if (this.linesLeft === 0) this.fireLineAction();
  }

  /** A new roll is loaded and the cover closed: the printer is back online. */
  newRoll(): void {
    this.paper = 'ok';
    this.coverOpen_ = false;
    this.statusChanged();
  }

  openCover(): void {
    this.coverOpen_ = true;
    this.interruptTicket();
    this.statusChanged();
  }

  closeCover(): void {
    this.coverOpen_ = false;
    this.statusChanged();
  }

  /** An autocutter jam (true) takes the printer offline with an error until cleared (false). */
  setCutterError(on: boolean): void {
    this.cutterError = on;
    if (on) this.interruptTicket();
    this.statusChanged();
  }

  /** Powered off / unplugged (true) or back (false): a silent printer answers nothing. */
  goSilent(on: boolean): void {
    this.silent = on;
  }

  // --- byte stream ----------------------------------------------------------

  private receive(chunk: Uint8Array): void {
    if (this.silent) {
      this.discardedBytes += chunk.length;
      return;
    }
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf);
    joined.set(chunk, this.buf.length);
    this.buf = joined;
    for (;;) {
      const step = decodeCommandStep(this.buf);
      if (step.kind === 'need-more') break;
      if (step.kind === 'bad') {
        this.decodeErrors.push(step.code);
        this.buf = this.buf.subarray(step.skip);
        continue;
      }
      const raw = step.consumed;
      this.buf = this.buf.subarray(raw);
      if (step.frame.kind === 'realtime-status') this.answerRealtime(step.frame.n);
      else if (step.frame.kind === 'select-peripheral') this.deselected = !step.frame.enabled;
      else if (this.offline || this.deselected) this.discardedBytes += raw;
      else this.execute(step.frame);
    }
  }

  private answerRealtime(n: number): void {
    const paperEnd = this.paper === 'end';
    let byte: number;
    if (n === 1) byte = encodePrinterInfo({ drawerPin3High: false, offline: this.offline, waitingOnlineRecovery: this.offline, feedButtonPressed: false });
    else if (n === 2) byte = encodeOfflineCause({ coverOpen: this.coverOpen_, feedButtonFeeding: false, stoppedByPaperEnd: paperEnd, error: this.cutterError });
    else if (n === 3) byte = encodeErrorCause({ recoverableError: false, autocutterError: this.cutterError, unrecoverableError: false, autoRecoverableError: false });
    else byte = encodePaperStatus({ nearEnd: this.paper !== 'ok', end: paperEnd });
    this.link.write(Uint8Array.of(byte));
  }

  private execute(c: EscposCommand): void {
    switch (c.kind) {
      case 'paper-sensor-status':
        if ((c.n === 1 || c.n === 49) && this.options.answersPaperSensor !== false) this.link.write(Uint8Array.of(encodePaperSensor({ nearEnd: this.paper !== 'ok', end: false })));
        return;
      case 'automatic-status-back':
        this.asbMask = c.mask;
        if (c.mask !== 0) this.sendAsb();
        return;
      case 'realtime-status':
      case 'select-peripheral':
        return;
      default:
        return this.renderer.execute(c satisfies PaperCommand);
    }
  }

  private printItem(item: PrintedItem): void {
    if (this.offline) return;
    this.items.push(item);
    if (this.linesLeft !== undefined && --this.linesLeft <= 0) this.fireLineAction();
  }

  private fireLineAction(): void {
    const action = this.lineAction;
    this.linesLeft = undefined;
    this.lineAction = undefined;
    action?.();
  }

  private runOut(): void {
    this.paper = 'end';
    this.interruptTicket();
    this.statusChanged();
  }

  private interruptTicket(): void {
    this.renderer.dropLine();
    if (this.items.length > 0) this.finishTicket('interrupted');
  }

  private finishTicket(end: PrintedTicket['end']): void {
    const ticket: PrintedTicket = { items: this.items, end };
    this.items = [];
    this.tickets.push(ticket);
    for (const l of [...this.ticketListeners]) l(ticket);
  }

  private statusChanged(): void {
    if (this.asbMask !== 0 && !this.silent) this.sendAsb();
  }

  private sendAsb(): void {
    this.link.write(
      encodeAutomaticStatus({
        drawerPin3High: false,
        offline: this.offline,
        coverOpen: this.coverOpen_,
        feedButtonFeeding: false,
        mechanicalError: false,
        autocutterError: this.cutterError,
        unrecoverableError: false,
        autoRecoverableError: false,
        paperNearEnd: this.paper !== 'ok',
        paperEnd: this.paper === 'end',
      }),
    );
  }
}
