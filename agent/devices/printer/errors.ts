/**
 * The printer driver's error catalog (stable codes, reported in DeviceStatus.lastError,
 * job failures and enqueue rejections).
 * - PRINTER_PAPER_END: the roll is out; jobs wait for a new roll.
 * - PRINTER_COVER_OPEN: the cover is open; jobs wait for it to close.
 * - PRINTER_HARDWARE_ERROR: the printer reports an error (cutter, head, unrecoverable).
 * - PRINTER_NO_REPLY: the printer stopped answering DLE EOT (off, unplugged, wrong port).
 * - PRINTER_LINK_DOWN: the transport is closed or could not be opened.
 * - PRINTER_JOB_INVALID: a job that cannot be rendered (e.g. QR payload too long); refused at enqueue.
 * - PRINTER_UNCONFIRMED: a job was sent and the printer stayed healthy but never confirmed it
 *   (GS r unanswered); counted as printed so it is not printed twice.
 * - PRINTER_STORE_FAILED: the job queue could not be saved.
 */
export type PrinterErrorCode =
  | 'PRINTER_PAPER_END'
  | 'PRINTER_COVER_OPEN'
  | 'PRINTER_HARDWARE_ERROR'
  | 'PRINTER_NO_REPLY'
  | 'PRINTER_LINK_DOWN'
  | 'PRINTER_JOB_INVALID'
  | 'PRINTER_UNCONFIRMED'
  | 'PRINTER_STORE_FAILED';

export interface PrinterError extends Error {
  readonly code: PrinterErrorCode;
}

export function printerError(code: PrinterErrorCode, message: string, cause?: unknown): PrinterError {
  const e = new Error(message, cause === undefined ? undefined : { cause }) as Error & { code: PrinterErrorCode };
  e.name = 'PrinterError';
  e.code = code;
  return e;
}
