import { codePageFromNumber, type EscposCommand } from '../../protocol/escpos/index.ts';
import { decodeText, defaultModes, type PrintedBarcode, type PrintedImage, type PrintedItem, type PrintedQr, type PrintModes, type RenderedLine } from './ticket.ts';

/** The commands that put something on paper or change how it looks; the printer handles the others (status, peripheral). */
export type PaperCommand = Exclude<EscposCommand, { kind: 'realtime-status' | 'paper-sensor-status' | 'automatic-status-back' | 'select-peripheral' }>;

export interface PaperOutput {
  print(item: PrintedItem): void;
  cut(partial: boolean): void;
  /** Something the printer shrugs off but a test may want to see (e.g. an unknown code page). */
  note(code: string): void;
}

const QR_EC = { 48: 'L', 49: 'M', 50: 'Q', 51: 'H' } as const;

type LineStyle = Omit<RenderedLine, 'text'>;

/**
 * What the print head makes of the commands: text lines in their modes, QR codes,
 * barcodes, and images as placeholders with their size. A line takes the style in effect
 * at its first printed character (tools set bold or size mid-line, after the padding that
 * centres it, and reset it before the line feed); alignment too, as ESC a only works at
 * the start of a line.
 */
export class PaperRenderer {
  private modes: PrintModes = defaultModes();
  private lineBytes: number[] = [];
  private lineStyle: LineStyle | undefined;
  /** An ESC * band set in the line being built: it prints at the next line feed. */
  private band: { widthDots: number; heightDots: number } | undefined;
  /** The column image the last band went into, while nothing else was printed since. */
  private openColumnImage: { -readonly [K in keyof PrintedImage]: PrintedImage[K] } | undefined;
  private qrStore: { payload: string; moduleSize: number; errorCorrection: PrintedQr['errorCorrection'] } = { payload: '', moduleSize: 3, errorCorrection: 'L' };
  private readonly stored = new Map<'graphics' | 'downloaded', { widthDots: number; heightDots: number }>();

  constructor(private readonly out: PaperOutput) {}

  /** Forgets the line being built (the paper ran out, the cover opened). */
  dropLine(): void {
    this.lineBytes = [];
    this.lineStyle = undefined;
    this.band = undefined;
  }

  execute(c: PaperCommand): void {
    switch (c.kind) {
      case 'text':
        for (const b of c.bytes) {
          if (b !== 0x20 && !this.lineStyle) this.lineStyle = this.style();
          this.lineBytes.push(b);
        }
        return;
      case 'line-feed':
      case 'feed-dots':
        return this.printLine();
      case 'feed-lines':
        if (this.lineBytes.length > 0 || this.band) this.printLine();
        for (let i = 0; i < c.n; i++) this.printLine();
        return;
      case 'carriage-return':
      case 'ignored':
        return;
      case 'init':
        // ESC @ clears the buffer: text not yet printed is dropped.
        this.modes = defaultModes();
        return this.dropLine();
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
      case 'print-mode':
        Object.assign(this.modes, { bold: c.bold, underline: c.underline, width: c.width, height: c.height });
        return;
      case 'invert':
        this.modes.invert = c.on;
        return;
      case 'code-page': {
        // A page the simulator does not know keeps the current one, and is noted.
        const page = codePageFromNumber(c.n);
        if (page) this.modes.codePage = page;
        else this.out.note(`SIM_UNKNOWN_CODE_PAGE_${c.n}`);
        return;
      }
      case 'cut':
        if (this.lineBytes.length > 0 || this.band) this.printLine();
        return this.out.cut(c.partial);
      case 'qr':
        return this.qr(c.fn, c.params);
      case 'barcode': {
        const text = decodeText(c.data, 'cp858');
        const barcode: PrintedBarcode = { system: c.system, data: c.system === 73 ? text.replace(/^\{[ABC]/, '') : text };
        return this.print({ kind: 'barcode', barcode });
      }
      case 'raster-image':
        return this.print({ kind: 'image', image: { source: 'raster', widthDots: c.widthDots, heightDots: c.heightDots } });
      case 'bit-image':
        this.band = { widthDots: c.widthDots, heightDots: c.heightDots };
        return;
      case 'image-store':
        this.stored.set(c.slot, { widthDots: c.widthDots, heightDots: c.heightDots });
        return;
      case 'image-print': {
        const image = this.stored.get(c.slot);
        if (image) this.print({ kind: 'image', image: { source: c.slot, ...image } });
        else this.out.note(`SIM_NO_STORED_IMAGE_${c.slot.toUpperCase()}`);
        return;
      }
    }
  }

  private style(): LineStyle {
    const m = this.modes;
    return { align: m.align, bold: m.bold, underline: m.underline, width: m.width, height: m.height, invert: m.invert };
  }

  private qr(fn: number, params: Uint8Array): void {
    if (fn === 0x43 && params[0] !== undefined) this.qrStore.moduleSize = params[0];
    else if (fn === 0x45 && params[0] !== undefined) this.qrStore.errorCorrection = QR_EC[params[0] as keyof typeof QR_EC] ?? this.qrStore.errorCorrection;
    else if (fn === 0x50) this.qrStore.payload = new TextDecoder().decode(params.subarray(1));
    else if (fn === 0x51) this.print({ kind: 'qr', qr: { ...this.qrStore } });
  }

  private printLine(): void {
    const band = this.band;
    if (band && this.lineBytes.every((b) => b === 0x20)) {
      this.dropLine();
      // Consecutive bands of one width are one image, printed 8 or 24 dots at a time.
      if (this.openColumnImage?.widthDots === band.widthDots) this.openColumnImage.heightDots += band.heightDots;
      else {
        const image = { source: 'column' as const, ...band };
        this.print({ kind: 'image', image });
        this.openColumnImage = image;
      }
      return;
    }
    const text = decodeText(Uint8Array.from(this.lineBytes), this.modes.codePage);
    this.print({ kind: 'line', line: { text, ...(this.lineStyle ?? this.style()) } });
    this.dropLine();
  }

  private print(item: PrintedItem): void {
    this.openColumnImage = undefined;
    this.out.print(item);
  }
}
