import { USAGE_ENTER, USAGE_KEYPAD_ENTER, usageToChar } from './keymap.ts';
import { Modifier, type KeyboardReport } from './report.ts';

/**
 * Turns a sequence of keyboard reports into typed lines, the way a keyboard-wedge reader
 * "types" a badge number or a QR payload followed by Enter.
 *
 * A key types once, on the report where it first appears (held keys repeat in later reports
 * and an all-zero report releases them). Pure state, no I/O or timers: the driver feeds it.
 */
export type TypedLineErrorCode =
  /** A key that types no character (arrow, F-key, Ctrl/Alt/GUI chord) inside a line. */
  | 'HID_UNMAPPED_KEY'
  /** More than `maxLength` characters without Enter: the line is dropped. */
  | 'HID_LINE_TOO_LONG'
  /** The keyboard reported rollover: keys may be lost, the line in progress is dropped. */
  | 'HID_ROLLOVER';

export type TypingOutput =
  | { readonly kind: 'line'; readonly text: string }
  | { readonly kind: 'error'; readonly code: TypedLineErrorCode; readonly message: string };

const SHIFT = Modifier.leftShift | Modifier.rightShift;
const CHORD = Modifier.leftCtrl | Modifier.rightCtrl | Modifier.leftAlt | Modifier.rightAlt | Modifier.leftGui | Modifier.rightGui;

export class KeystrokeLineAssembler {
  private held = new Set<number>();
  private text = '';
  /** Set by a bad key: the rest of the line is ignored and reported once, at Enter. */
  private spoiled: { code: TypedLineErrorCode; message: string } | undefined;

  constructor(private readonly maxLength = 1024) {}

  /** Feeds one report; returns what it completed (nothing, a line, or an error). */
  push(report: KeyboardReport): TypingOutput[] {
    const out: TypingOutput[] = [];
    const pressed = report.keys.filter((k) => !this.held.has(k));
    this.held = new Set(report.keys);
    for (const usage of pressed) {
      const done = this.key(usage, report.modifiers);
      if (done) out.push(done);
    }
    return out;
  }

  /** The keyboard lost track of keys: drop the line in progress. */
  rollover(): TypingOutput {
    this.reset();
    return { kind: 'error', code: 'HID_ROLLOVER', message: 'rollover error: the line in progress was dropped' };
  }

  /** Drops everything (the device was unplugged or reconnected). */
  reset(): void {
    this.held.clear();
    this.text = '';
    this.spoiled = undefined;
  }

  private key(usage: number, modifiers: number): TypingOutput | undefined {
    if (usage === USAGE_ENTER || usage === USAGE_KEYPAD_ENTER) {
      const line = this.text;
      const spoiled = this.spoiled;
      this.text = '';
      this.spoiled = undefined;
      if (spoiled) return { kind: 'error', ...spoiled };
      return line.length > 0 ? { kind: 'line', text: line } : undefined;
    }
    if (this.spoiled) return undefined;
    const char = modifiers & CHORD ? undefined : usageToChar(usage, (modifiers & SHIFT) !== 0);
    if (char === undefined) {
      this.spoiled = { code: 'HID_UNMAPPED_KEY', message: `usage 0x${usage.toString(16).padStart(2, '0')} with modifiers 0x${modifiers.toString(16).padStart(2, '0')} types no character` };
      return undefined;
    }
    if (this.text.length >= this.maxLength) {
      this.spoiled = { code: 'HID_LINE_TOO_LONG', message: `more than ${this.maxLength} characters without Enter` };
      this.text = '';
      return undefined;
    }
    this.text += char;
    return undefined;
  }
}
