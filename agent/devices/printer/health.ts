import type { OfflineCause, PaperSensor, PrinterInfo } from '../../../protocol/escpos/index.ts';
import type { DeviceState } from '../device.ts';
import type { PrinterErrorCode } from './errors.ts';

/** What the driver concludes from one round of DLE EOT 1, 2 and 4 (or from their absence). */
export type PrinterCondition = 'online' | 'paper-near-end' | 'paper-end' | 'cover-open' | 'hardware-error' | 'no-reply' | 'link-down';

export interface PrinterHealth {
  readonly condition: PrinterCondition;
  readonly paper: 'ok' | 'near-end' | 'end' | null;
  readonly coverOpen: boolean | null;
}

export const unknownHealth = (condition: 'no-reply' | 'link-down'): PrinterHealth => ({ condition, paper: null, coverOpen: null });

/** Pure: the three real-time replies to a condition. Paper end wins over cover open over errors. */
export function healthFrom(printer: PrinterInfo, cause: OfflineCause, paper: PaperSensor): PrinterHealth {
  const paperEnd = paper.end || cause.stoppedByPaperEnd;
  const level = paperEnd ? 'end' : paper.nearEnd ? 'near-end' : 'ok';
  const condition: PrinterCondition = paperEnd
    ? 'paper-end'
    : cause.coverOpen
      ? 'cover-open'
      : cause.error || printer.offline
        ? 'hardware-error'
        : paper.nearEnd
          ? 'paper-near-end'
          : 'online';
  return { condition, paper: level, coverOpen: cause.coverOpen };
}

/** A job may be sent in these conditions. */
export const canPrint = (h: PrinterHealth): boolean => h.condition === 'online' || h.condition === 'paper-near-end';

export function deviceStateOf(c: PrinterCondition): DeviceState {
  if (c === 'online') return 'online';
  if (c === 'paper-near-end') return 'degraded';
  return 'offline';
}

const ERRORS: Readonly<Partial<Record<PrinterCondition, { code: PrinterErrorCode; message: string }>>> = {
  'paper-end': { code: 'PRINTER_PAPER_END', message: 'paper roll is empty: load a new roll' },
  'cover-open': { code: 'PRINTER_COVER_OPEN', message: 'printer cover is open' },
  'hardware-error': { code: 'PRINTER_HARDWARE_ERROR', message: 'printer reports an error or is offline for an unknown cause' },
  'no-reply': { code: 'PRINTER_NO_REPLY', message: 'printer does not answer status requests' },
  'link-down': { code: 'PRINTER_LINK_DOWN', message: 'link to the printer is down' },
};

export const conditionError = (c: PrinterCondition): { code: PrinterErrorCode; message: string } | undefined => ERRORS[c];
