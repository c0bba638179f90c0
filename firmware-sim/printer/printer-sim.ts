import {
  codePageFromNumber,
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
import { decodeText, defaultModes, type PrintedBarcode, type PrintedQr, type PrintedTicket, type PrintModes } from './ticket.ts';

export type PaperLevel = 'ok' | 'near-end' | 'end';

type Item = PrintedTicket['items'][number];

const QR_EC = { 48: 'L', 49: 'M', 50: 'Q', 51: 'H' } as const;

/**
 * A simulated ESC/POS thermal printer on a SimLink. It parses the byte stream (garbage is
 * counted, never thrown), renders what would be printed, keeps paper and cover state and
 * answers DLE EOT 1-4, GS r 1 and automatic status back.
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
  private modes: PrintModes = defaultModes();
  private lineBytes: number[] = [];
  private items: Item[] = [];
  private qrStore: { payload: string; moduleSize: number; errorCorrection: PrintedQr['errorCorrection'] } = { payload: '', moduleSize: 3, errorCorrection: 'L' };
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
    this.unsubscribe = link.onData((chunk) => this.receive(chunk));
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
      else if (this.offline) this.discardedBytes += raw;
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
      case 'text':
        for (const b of c.bytes) this.lineBytes.push(b);
        return;
      case 'line-feed':
        return this.printLine();
      case 'feed-lines':
        if (this.lineBytes.length > 0) this.printLine();
        for (let i = 0; i < c.n && !this.offline; i++) this.printLine();
        return;
      case 'carriage-return':
      case 'ignored':
      case 'realtime-status':
        return;
      case 'init':
        // ESC @ clears the buffer: text not yet printed is dropped.
        this.modes = defaultModes();
        this.lineBytes = [];
        return;
      case 'bold':
        this.modes.bold = c.on;
        return;
      case 'underline':
        this.modes.underline = c.dots;
        return;
      case 'align':
        this.modes.align = c.align;
        return;
      case 'size':
        this.modes.width = c.width;
        this.modes.height = c.height;
        return;
      case 'code-page': {
        // A page the simulator does not know keeps the current one, and is noted.
        const page = codePageFromNumber(c.n);
        if (page) this.modes.codePage = page;
        else this.decodeErrors.push(`SIM_UNKNOWN_CODE_PAGE_${c.n}`);
        return;
      }
      case 'cut':
        if (this.lineBytes.length > 0) this.printLine();
        if (!this.offline) this.finishTicket(c.partial ? 'partial-cut' : 'full-cut');
        return;
      case 'qr':
        return this.qr(c.fn, c.params);
      case 'barcode': {
        const text = decodeText(c.data, 'cp858');
        const barcode: PrintedBarcode = { system: c.system, data: c.system === 73 ? text.replace(/^\{[ABC]/, '') : text };
        return this.printItem({ kind: 'barcode', barcode });
      }
      case 'paper-sensor-status':
        if ((c.n === 1 || c.n === 49) && this.options.answersPaperSensor !== false) this.link.write(Uint8Array.of(encodePaperSensor({ nearEnd: this.paper !== 'ok', end: false })));
        return;
      case 'automatic-status-back':
        this.asbMask = c.mask;
        if (c.mask !== 0) this.sendAsb();
        return;
    }
  }

  private qr(fn: number, params: Uint8Array): void {
    if (fn === 0x43 && params[0] !== undefined) this.qrStore.moduleSize = params[0];
    else if (fn === 0x45 && params[0] !== undefined) this.qrStore.errorCorrection = QR_EC[params[0] as keyof typeof QR_EC] ?? this.qrStore.errorCorrection;
    else if (fn === 0x50) this.qrStore.payload = new TextDecoder().decode(params.subarray(1));
    else if (fn === 0x51) this.printItem({ kind: 'qr', qr: { ...this.qrStore } });
  }

  private printLine(): void {
    const m = this.modes;
    this.printItem({ kind: 'line', line: { text: decodeText(Uint8Array.from(this.lineBytes), m.codePage), align: m.align, bold: m.bold, underline: m.underline, width: m.width, height: m.height } });
    this.lineBytes = [];
  }

  private printItem(item: Item): void {
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
    this.lineBytes = [];
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
