import type { AutomaticStatus, ErrorCause, OfflineCause, PaperSensor, PrinterInfo } from './status.ts';

/** The printer side of the status replies (used by the simulator and round-trip tests). Pure. */
const b = (on: boolean, n: number): number => (on ? 1 << n : 0);

export function encodePrinterInfo(s: PrinterInfo): number {
  return 0x12 | b(s.drawerPin3High, 2) | b(s.offline, 3) | b(s.waitingOnlineRecovery, 5) | b(s.feedButtonPressed, 6);
}

export function encodeOfflineCause(s: OfflineCause): number {
  return 0x12 | b(s.coverOpen, 2) | b(s.feedButtonFeeding, 3) | b(s.stoppedByPaperEnd, 5) | b(s.error, 6);
}

export function encodeErrorCause(s: ErrorCause): number {
  return 0x12 | b(s.recoverableError, 2) | b(s.autocutterError, 3) | b(s.unrecoverableError, 5) | b(s.autoRecoverableError, 6);
}

/** DLE EOT 4 reply: both near-end bits (2-3) and both end bits (5-6) set together, as printers do. */
export function encodePaperStatus(s: PaperSensor): number {
  return 0x12 | (s.nearEnd ? 0x0c : 0) | (s.end ? 0x60 : 0);
}

/** GS r 1 reply: bits 0-1 near end, bits 2-3 end. */
export function encodePaperSensor(s: PaperSensor): number {
  return (s.nearEnd ? 0x03 : 0) | (s.end ? 0x0c : 0);
}

export function encodeAutomaticStatus(s: AutomaticStatus): Uint8Array {
  return Uint8Array.of(
    0x10 | b(s.drawerPin3High, 2) | b(s.offline, 3) | b(s.coverOpen, 5) | b(s.feedButtonFeeding, 6),
    b(s.mechanicalError, 2) | b(s.autocutterError, 3) | b(s.unrecoverableError, 5) | b(s.autoRecoverableError, 6),
    (s.paperNearEnd ? 0x03 : 0) | (s.paperEnd ? 0x0c : 0),
    0x00,
  );
}
