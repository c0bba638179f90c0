import { decodeByte, type CodePage } from '../../protocol/escpos/index.ts';

/** What the simulated printer put on paper, as text with the styles noted. */
export interface RenderedLine {
  readonly text: string;
  readonly align: 'left' | 'center' | 'right';
  readonly bold: boolean;
  readonly underline: 0 | 1 | 2;
  readonly width: number;
  readonly height: number;
  /** White on black (GS B). */
  readonly invert: boolean;
}

/** An image, printed as a placeholder with its size in dots (what it showed is not kept). */
export interface PrintedImage {
  /** raster: GS v 0; column: ESC * bands (consecutive bands of one width make one image); graphics: GS ( L / GS 8 L; downloaded: GS * then GS /. */
  readonly source: 'raster' | 'column' | 'graphics' | 'downloaded';
  readonly widthDots: number;
  readonly heightDots: number;
}

export interface PrintedQr {
  readonly payload: string;
  readonly moduleSize: number;
  readonly errorCorrection: 'L' | 'M' | 'Q' | 'H';
}

export interface PrintedBarcode {
  /** GS k system number (73 = CODE128). */
  readonly system: number;
  /** The data with any CODE128 code-set prefix ({A {B {C) removed. */
  readonly data: string;
}

export type PrintedItem =
  | { readonly kind: 'line'; readonly line: RenderedLine }
  | { readonly kind: 'qr'; readonly qr: PrintedQr }
  | { readonly kind: 'barcode'; readonly barcode: PrintedBarcode }
  | { readonly kind: 'image'; readonly image: PrintedImage };

/** One piece of paper: everything printed between two cuts, in order. */
export interface PrintedTicket {
  readonly items: readonly PrintedItem[];
  /** How it left the printer: cut, or torn off when the roll ran out mid-ticket. */
  readonly end: 'partial-cut' | 'full-cut' | 'interrupted';
}

export const ticketLines = (t: PrintedTicket): string[] => t.items.flatMap((i) => (i.kind === 'line' ? [i.line.text] : []));
export const ticketQrPayloads = (t: PrintedTicket): string[] => t.items.flatMap((i) => (i.kind === 'qr' ? [i.qr.payload] : []));
export const ticketBarcodes = (t: PrintedTicket): PrintedBarcode[] => t.items.flatMap((i) => (i.kind === 'barcode' ? [i.barcode] : []));

/** A ticket as a human reads it, one string per line, styles in brackets: "[center bold 2x2] Piscine" (blank lines plain). */
export function renderTicket(t: PrintedTicket): string[] {
  return t.items.map((i) => {
    if (i.kind === 'qr') return `[qr ${i.qr.errorCorrection} ${i.qr.moduleSize}] ${i.qr.payload}`;
    if (i.kind === 'barcode') return `[barcode ${i.barcode.system}] ${i.barcode.data}`;
    if (i.kind === 'image') return `[image ${i.image.widthDots}x${i.image.heightDots} dots]`;
    const l = i.line;
    if (l.text === '') return '';
    const notes = [l.align !== 'left' ? l.align : '', l.bold ? 'bold' : '', l.underline ? `underline${l.underline}` : '', l.width > 1 || l.height > 1 ? `${l.width}x${l.height}` : '', l.invert ? 'invert' : ''].filter(Boolean);
    return notes.length ? `[${notes.join(' ')}] ${l.text}` : l.text;
  });
}

/** The print modes a line is set in (reset by ESC @). */
export interface PrintModes {
  align: RenderedLine['align'];
  bold: boolean;
  underline: 0 | 1 | 2;
  width: number;
  height: number;
  invert: boolean;
  codePage: CodePage;
}

export const defaultModes = (): PrintModes => ({ align: 'left', bold: false, underline: 0, width: 1, height: 1, invert: false, codePage: 'cp858' });

export const decodeText = (bytes: Uint8Array, page: CodePage): string => Array.from(bytes, (b) => decodeByte(b, page)).join('');
