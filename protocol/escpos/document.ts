import { err, ok, type Result } from '../core/index.ts';
import type { CodePage } from './codepage.ts';
import { encodeText } from './codepage.ts';
import * as cmd from './commands.ts';
import type { EscposError } from './errors.ts';

export interface TextStyle {
  readonly bold?: boolean;
  readonly underline?: cmd.Underline;
  readonly align?: cmd.Alignment;
  readonly width?: cmd.Magnification;
  readonly height?: cmd.Magnification;
}

/**
 * Builds one printable document: starts with ESC @ and the code page, so a document never
 * depends on what the printer did before (a re-sent job prints the same). Pure; the first
 * encoding error is kept and returned by `bytes()`.
 */
export class EscposDocument {
  private parts: Uint8Array[] = [];
  private error: EscposError | undefined;
  /** Characters the code page could not print as written (for the caller's log). */
  readonly replaced: string[] = [];

  constructor(private readonly page: CodePage) {
    this.parts.push(cmd.initialize(), cmd.codePage(page));
  }

  /** One line of text in `style` (line breaks, tabs and no-break spaces become spaces); the style is reset to plain after the line. */
  line(text: string, style: TextStyle = {}): this {
    const styled = style.bold || (style.underline && style.underline !== 'off') || (style.width ?? 1) > 1 || (style.height ?? 1) > 1;
    this.parts.push(cmd.align(style.align ?? 'left'));
    if (style.bold) this.parts.push(cmd.bold(true));
    if (style.underline && style.underline !== 'off') this.parts.push(cmd.underline(style.underline));
    if ((style.width ?? 1) > 1 || (style.height ?? 1) > 1) this.parts.push(cmd.characterSize(style.width ?? 1, style.height ?? 1));
    const { bytes, replaced } = encodeText(text.replace(/[\r\n\t\u00a0\u202f]+/g, ' '), this.page);
    this.replaced.push(...replaced);
    this.parts.push(bytes, cmd.lineFeed());
    if (styled) this.parts.push(cmd.bold(false), cmd.underline('off'), cmd.characterSize(1, 1));
    return this;
  }

  /** Label on the left, value on the right, on one line of `columns` characters. */
  columns(left: string, right: string, columns: number, style: TextStyle = {}): this {
    const room = Math.max(1, columns - right.length - 1);
    const l = left.length > room ? left.slice(0, room) : left;
    return this.line(l + ' '.repeat(Math.max(1, columns - l.length - right.length)) + right, { ...style, align: 'left' });
  }

  feed(lines: number): this {
    this.parts.push(cmd.feedLines(lines));
    return this;
  }

  qr(data: string, options: { moduleSize?: number; errorCorrection?: cmd.QrErrorCorrection } = {}): this {
    this.parts.push(cmd.align('center'));
    return this.add(cmd.qrCode(new TextEncoder().encode(data), options));
  }

  code128(data: string, options: { heightDots?: number } = {}): this {
    this.parts.push(cmd.align('center'));
    return this.add(cmd.code128(data, options));
  }

  cut(): this {
    this.parts.push(cmd.cut({ partial: true, feedDots: 96 }));
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.parts.push(bytes);
    return this;
  }

  bytes(): Result<Uint8Array, EscposError> {
    return this.error ? err(this.error) : ok(cmd.concat(this.parts));
  }

  private add(r: Result<Uint8Array, EscposError>): this {
    if (r.ok) this.parts.push(r.value);
    else this.error ??= r.error;
    return this;
  }
}
