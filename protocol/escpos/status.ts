import type { DecodeStep } from '../core/index.ts';
import type { RealtimeStatusKind } from './commands.ts';
import type { EscposErrorCode } from './errors.ts';

/**
 * Decoders for what an ESC/POS printer sends back. Pure; never throw.
 *
 * Three reply shapes share the wire and are told apart by their fixed bits:
 * - DLE EOT n reply, 1 byte `0xx1xx10` (mask 0x93 = 0x12);
 * - automatic status back (GS a), 4 bytes, the first `0xx1xx00` (0x93 = 0x10), the
 *   others `0xx0xxxx` (0x90 = 0x00);
 * - GS r 1 reply, 1 byte `0xx0xxxx` (0x90 = 0x00).
 * A real-time reply carries no request number, so the caller says which DLE EOT it
 * has outstanding (one at a time).
 */
export interface PrinterInfo {
  readonly drawerPin3High: boolean;
  readonly offline: boolean;
  readonly waitingOnlineRecovery: boolean;
  readonly feedButtonPressed: boolean;
}

export interface OfflineCause {
  readonly coverOpen: boolean;
  readonly feedButtonFeeding: boolean;
  readonly stoppedByPaperEnd: boolean;
  readonly error: boolean;
}

export interface ErrorCause {
  readonly recoverableError: boolean;
  readonly autocutterError: boolean;
  readonly unrecoverableError: boolean;
  readonly autoRecoverableError: boolean;
}

export interface PaperSensor {
  readonly nearEnd: boolean;
  readonly end: boolean;
}

export interface AutomaticStatus {
  readonly drawerPin3High: boolean;
  readonly offline: boolean;
  readonly coverOpen: boolean;
  readonly feedButtonFeeding: boolean;
  readonly mechanicalError: boolean;
  readonly autocutterError: boolean;
  readonly unrecoverableError: boolean;
  readonly autoRecoverableError: boolean;
  readonly paperNearEnd: boolean;
  readonly paperEnd: boolean;
}

export type StatusReply =
  | { readonly kind: 'printer'; readonly raw: number; readonly status: PrinterInfo }
  | { readonly kind: 'offline-cause'; readonly raw: number; readonly status: OfflineCause }
  | { readonly kind: 'error-cause'; readonly raw: number; readonly status: ErrorCause }
  | { readonly kind: 'paper'; readonly raw: number; readonly status: PaperSensor }
  /** GS r 1: same meaning as DLE EOT 4, but sent only after the preceding data was processed. */
  | { readonly kind: 'paper-sensor'; readonly raw: number; readonly status: PaperSensor }
  | { readonly kind: 'asb'; readonly raw: Uint8Array; readonly status: AutomaticStatus };

export type StatusDecodeCode = Extract<EscposErrorCode, 'ESCPOS_STATUS_BAD_BYTE' | 'ESCPOS_STATUS_UNSOLICITED' | 'ESCPOS_ASB_BAD_BYTE'>;

const bit = (b: number, n: number): boolean => (b & (1 << n)) !== 0;

export const isRealtimeReplyByte = (b: number): boolean => (b & 0x93) === 0x12;
export const isAsbHeaderByte = (b: number): boolean => (b & 0x93) === 0x10;
const isPlainReplyByte = (b: number): boolean => (b & 0x90) === 0x00;

export function realtimeReply(kind: RealtimeStatusKind, raw: number): StatusReply {
  switch (kind) {
    case 'printer':
      return { kind, raw, status: { drawerPin3High: bit(raw, 2), offline: bit(raw, 3), waitingOnlineRecovery: bit(raw, 5), feedButtonPressed: bit(raw, 6) } };
    case 'offline-cause':
      return { kind, raw, status: { coverOpen: bit(raw, 2), feedButtonFeeding: bit(raw, 3), stoppedByPaperEnd: bit(raw, 5), error: bit(raw, 6) } };
    case 'error-cause':
      return { kind, raw, status: { recoverableError: bit(raw, 2), autocutterError: bit(raw, 3), unrecoverableError: bit(raw, 5), autoRecoverableError: bit(raw, 6) } };
    case 'paper':
      // Bits 2-3 both report near end and bits 5-6 both report end; either bit counts.
      return { kind, raw, status: { nearEnd: (raw & 0x0c) !== 0, end: (raw & 0x60) !== 0 } };
  }
}

function asbReply(b: Uint8Array): StatusReply {
  const [b1 = 0, b2 = 0, b3 = 0] = b;
  return {
    kind: 'asb',
    raw: b.slice(0, 4),
    status: {
      drawerPin3High: bit(b1, 2),
      offline: bit(b1, 3),
      coverOpen: bit(b1, 5),
      feedButtonFeeding: bit(b1, 6),
      mechanicalError: bit(b2, 2),
      autocutterError: bit(b2, 3),
      unrecoverableError: bit(b2, 5),
      autoRecoverableError: bit(b2, 6),
      paperNearEnd: (b3 & 0x03) !== 0,
      paperEnd: (b3 & 0x0c) !== 0,
    },
  };
}

/**
 * One step over the bytes received from the printer. `pendingRealtime` is the DLE EOT
 * request awaiting its answer, if any. GS r 1 replies are recognised by shape alone.
 */
export function decodeStatusStep(buf: Uint8Array, pendingRealtime: RealtimeStatusKind | undefined): DecodeStep<StatusReply, StatusDecodeCode> {
  const b0 = buf[0];
  if (b0 === undefined) return { kind: 'need-more' };
  if (isRealtimeReplyByte(b0)) {
    if (pendingRealtime === undefined) {
      return { kind: 'bad', code: 'ESCPOS_STATUS_UNSOLICITED', skip: 1, message: `real-time status byte 0x${hex(b0)} with no DLE EOT outstanding` };
    }
    return { kind: 'frame', frame: realtimeReply(pendingRealtime, b0), consumed: 1 };
  }
  if (isAsbHeaderByte(b0)) {
    for (let i = 1; i < 4; i++) {
      const b = buf[i];
      if (b === undefined) return { kind: 'need-more' };
      // Re-sync on the offending byte: it may start the next reply.
      if (!isPlainReplyByte(b)) return { kind: 'bad', code: 'ESCPOS_ASB_BAD_BYTE', skip: i, message: `automatic status byte ${i + 1} is 0x${hex(b)}, bits 4 and 7 must be 0` };
    }
    return { kind: 'frame', frame: asbReply(buf), consumed: 4 };
  }
  if (isPlainReplyByte(b0)) {
    return { kind: 'frame', frame: { kind: 'paper-sensor', raw: b0, status: { nearEnd: (b0 & 0x03) !== 0, end: (b0 & 0x0c) !== 0 } }, consumed: 1 };
  }
  return { kind: 'bad', code: 'ESCPOS_STATUS_BAD_BYTE', skip: 1, message: `byte 0x${hex(b0)} is not a status reply` };
}

const hex = (b: number): string => b.toString(16).padStart(2, '0');
