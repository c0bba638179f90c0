import type { CodedError } from '../core/index.ts';

/**
 * The ESC/POS codec's error catalog. Codes are stable; messages are for humans.
 * - ESCPOS_STATUS_BAD_BYTE: a byte from the printer matches no status reply pattern.
 * - ESCPOS_STATUS_UNSOLICITED: a real-time status byte arrived with no DLE EOT outstanding.
 * - ESCPOS_ASB_BAD_BYTE: an automatic status back header followed by a byte whose fixed bits are wrong.
 * - ESCPOS_QR_EMPTY / ESCPOS_QR_TOO_LONG: QR data length outside 1..7089 bytes.
 * - ESCPOS_BARCODE_BAD_DATA: CODE128 data with a byte outside 0x20-0x7E.
 * - ESCPOS_BARCODE_BAD_LENGTH: CODE128 data empty or longer than the command allows.
 * - ESCPOS_CMD_UNKNOWN: a command byte sequence the command decoder does not know.
 * - ESCPOS_CMD_BAD_PARAM: a known command with a parameter outside its range.
 * - ESCPOS_CMD_BAD_CONTROL: a control byte that starts no command.
 */
export type EscposErrorCode =
  | 'ESCPOS_STATUS_BAD_BYTE'
  | 'ESCPOS_STATUS_UNSOLICITED'
  | 'ESCPOS_ASB_BAD_BYTE'
  | 'ESCPOS_QR_EMPTY'
  | 'ESCPOS_QR_TOO_LONG'
  | 'ESCPOS_BARCODE_BAD_DATA'
  | 'ESCPOS_BARCODE_BAD_LENGTH'
  | 'ESCPOS_CMD_UNKNOWN'
  | 'ESCPOS_CMD_BAD_PARAM'
  | 'ESCPOS_CMD_BAD_CONTROL';

export type EscposError = CodedError<EscposErrorCode>;

export const escposError = (code: EscposErrorCode, message: string, detail?: unknown): EscposError =>
  detail === undefined ? { code, message } : { code, message, detail };
