import type { DecodeStep } from '../core/result.ts';

/**
 * Boot-protocol keyboard input reports (USB HID 1.11, appendix B.1), as keyboard-wedge badge
 * readers and QR scanners send them: 8 bytes = modifier bits, a reserved 0x00 byte, then up to
 * six usage ids of the keys held down (0x00 = empty slot).
 *
 * The transport delivers reports as chunks, but like every decoder here this one reads a byte
 * stream: it takes 8 bytes at a time and re-syncs on the reserved byte if bytes go missing.
 */
export const KEYBOARD_REPORT_LENGTH = 8;

export const Modifier = {
  leftCtrl: 0x01,
  leftShift: 0x02,
  leftAlt: 0x04,
  leftGui: 0x08,
  rightCtrl: 0x10,
  rightShift: 0x20,
  rightAlt: 0x40,
  rightGui: 0x80,
} as const;

export interface KeyboardReport {
  readonly modifiers: number;
  /** Usage ids of the keys held, in report order, empty slots removed. */
  readonly keys: readonly number[];
}

export type KeyboardReportErrorCode =
  /** Byte 1 is reserved and always 0x00: the 8 bytes are not aligned on a report. */
  | 'HID_REPORT_MISALIGNED'
  /** All six key slots hold 0x01 (ErrorRollOver): too many keys at once, key state unknown. */
  | 'HID_ROLLOVER';

const ERROR_ROLLOVER = 0x01;

export function decodeKeyboardReport(buf: Uint8Array): DecodeStep<KeyboardReport, KeyboardReportErrorCode> {
  if (buf.length < 2) return { kind: 'need-more' };
  if (buf[1] !== 0x00) return { kind: 'bad', code: 'HID_REPORT_MISALIGNED', skip: 1, message: `reserved byte is 0x${(buf[1] as number).toString(16).padStart(2, '0')}, not 0x00` };
  if (buf.length < KEYBOARD_REPORT_LENGTH) return { kind: 'need-more' };
  const slots = buf.subarray(2, KEYBOARD_REPORT_LENGTH);
  if (slots.every((k) => k === ERROR_ROLLOVER)) return { kind: 'bad', code: 'HID_ROLLOVER', skip: KEYBOARD_REPORT_LENGTH, message: 'keyboard reported rollover error (too many keys at once)' };
  const keys = [...slots].filter((k) => k !== 0);
  return { kind: 'frame', frame: { modifiers: buf[0] as number, keys }, consumed: KEYBOARD_REPORT_LENGTH };
}

/**
 * The decoder for devices that number their reports (composite keyboard + consumer-control
 * scanners): hidraw then prefixes each report with its report id, 9 bytes for the keyboard.
 * The id serves as a start byte: anything else (another function's report, lost bytes) is
 * skipped up to the next occurrence of the id, with HID_REPORT_MISALIGNED.
 */
export function keyboardReportDecoderWithId(reportId: number): (buf: Uint8Array) => DecodeStep<KeyboardReport, KeyboardReportErrorCode> {
  return (buf) => {
    if (buf.length === 0) return { kind: 'need-more' };
    if (buf[0] !== reportId) {
      const next = buf.indexOf(reportId, 1);
      return { kind: 'bad', code: 'HID_REPORT_MISALIGNED', skip: next === -1 ? buf.length : next, message: `expected report id ${reportId}, got ${buf[0]}` };
    }
    const step = decodeKeyboardReport(buf.subarray(1));
    if (step.kind === 'frame') return { ...step, consumed: step.consumed + 1 };
    if (step.kind === 'bad') return { ...step, skip: step.code === 'HID_ROLLOVER' ? step.skip + 1 : 1 };
    return step;
  };
}

/** Encodes a report (for simulators and fixtures). At most six keys. */
export function encodeKeyboardReport(report: KeyboardReport): Uint8Array {
  if (report.keys.length > 6) throw new RangeError(`a boot keyboard report holds at most 6 keys, got ${report.keys.length}`);
  const out = new Uint8Array(KEYBOARD_REPORT_LENGTH);
  out[0] = report.modifiers & 0xff;
  report.keys.forEach((k, i) => (out[2 + i] = k & 0xff));
  return out;
}

export function encodeRolloverReport(modifiers = 0): Uint8Array {
  return Uint8Array.of(modifiers & 0xff, 0, 1, 1, 1, 1, 1, 1);
}
