import { decodeKeyboardReport, keyboardReportDecoderWithId, type KeyboardReport, type KeyboardReportErrorCode } from '../../../protocol/hid/report.ts';
import { KeystrokeLineAssembler } from '../../../protocol/hid/typing.ts';
import { ByteReader, type ByteReaderOptions } from '../shared/byte-reader.ts';
import { FrameStream } from '../shared/frame-stream.ts';
import { PresenceDebouncer } from '../shared/presence-debouncer.ts';
import { classifyTypedLine, DEFAULT_MAX_BADGE_DIGITS } from './classify.ts';

export interface HidWedgeReaderOptions extends ByteReaderOptions {
  /** The same line typed again within this window is the same presentation (scanners re-type a held card or a QR left under the lens). */
  repeatWindowMs?: number;
  /** Longest all-digit line taken as a badge number (see classify.ts). */
  maxBadgeDigits?: number;
  /** Longest line accepted before Enter; longer lines are dropped with HID_LINE_TOO_LONG. */
  maxLineLength?: number;
  /** For composite devices that number their reports: the keyboard report's id (see `lsusb -v` / the report descriptor). */
  reportId?: number;
}

export const HID_DEFAULT_REPEAT_WINDOW_MS = 1500;

/**
 * A USB keyboard-wedge badge reader or QR scanner read through its raw HID input reports
 * (HidTransport), so the typed text never reaches a console or a focused window.
 */
export class HidWedgeReader extends ByteReader {
  private readonly reports: FrameStream<KeyboardReport, KeyboardReportErrorCode>;
  private readonly typist: KeystrokeLineAssembler;
  private readonly presence: PresenceDebouncer;
  private readonly maxBadgeDigits: number;

  constructor(options: HidWedgeReaderOptions) {
    super(options);
    this.reports = new FrameStream(options.reportId === undefined ? decodeKeyboardReport : keyboardReportDecoderWithId(options.reportId));
    this.typist = new KeystrokeLineAssembler(options.maxLineLength ?? 1024);
    this.presence = new PresenceDebouncer(options.clock, options.repeatWindowMs ?? HID_DEFAULT_REPEAT_WINDOW_MS);
    this.maxBadgeDigits = options.maxBadgeDigits ?? DEFAULT_MAX_BADGE_DIGITS;
  }

  protected bytes(chunk: Uint8Array, at: number): void {
    for (const out of this.reports.push(chunk)) {
      if (out.kind === 'bad') {
        if (out.code === 'HID_ROLLOVER') this.typist.rollover();
        this.badFrame(out.code, out.message);
        continue;
      }
      for (const typed of this.typist.push(out.frame)) {
        if (typed.kind === 'error') {
          this.badFrame(typed.code, typed.message);
          continue;
        }
        this.goodFrame();
        if (this.presence.seen(typed.text)) this.deliver(classifyTypedLine(typed.text, this.maxBadgeDigits), at);
      }
    }
  }

  protected linkUp(): void {
    this.reports.reset();
    this.typist.reset();
  }
}
