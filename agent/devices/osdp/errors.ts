import type { WiegandErrorCode } from '../../../protocol/access/wiegand.ts';
import type { CodedError } from '../../../protocol/core/index.ts';
import type { OsdpErrorCode } from '../../../protocol/osdp/index.ts';
import type { TransportErrorCode } from '../../transport/transport.ts';

/** NAK reasons of OSDP v2.2 (7.x osdp_NAK): 1 check, 2 length, 3 unknown command, 4 sequence, 5 SC unsupported, 6 SC conditions, 7-9 biometrics and records. */
type NakReason = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/**
 * The OSDP reader driver's error catalog (DeviceStatus.lastError, feedback() rejections).
 * The protocol layers' codes (`OSDP_BAD_CRC`, `OSDP_SC_BAD_MAC`...), the Wiegand codes of
 * a card read and the transport's codes pass through unchanged; the driver adds its own:
 */
export type OsdpDriverErrorCode =
  /** No valid reply within the reply timeout (retried with the same bytes first). */
  | 'OSDP_NO_REPLY'
  /** The reader refused a command: `OSDP_NAK_<reason>`; a reason outside 1-9 is `OSDP_NAK_UNKNOWN`. */
  | `OSDP_NAK_${NakReason}`
  | 'OSDP_NAK_UNKNOWN'
  /** A reply of another kind than the command calls for (e.g. ACK to ID). */
  | 'OSDP_UNEXPECTED_REPLY'
  /** The reader refuses clear-text commands (NAK 6 to a clear POLL) and no key is configured for it. */
  | 'OSDP_SC_REQUIRED'
  /** The secure channel cannot be set up: the reader holds another key than the one tried (its CCRYPT says which). */
  | 'OSDP_SC_KEY_MISMATCH'
  /** A key is configured but the reader has no secure channel (NAK 5 to CHLNG). */
  | 'OSDP_SC_UNSUPPORTED'
  /** The reader reports its tamper switch open (LSTATR). */
  | 'OSDP_TAMPER'
  /** A card read (RAW) with no bits. */
  | 'OSDP_EMPTY_RAW'
  /** feedback() for a reader that is offline, or went offline before its commands were answered. */
  | 'OSDP_READER_OFFLINE'
  /** feedback() for a reader that is online but not ready for commands (set-up, secure channel refused). */
  | 'OSDP_READER_NOT_READY'
  /** feedback() dropped because the bus was stopped. */
  | 'OSDP_STOPPED'
  /** The readers' configuration is invalid (message says which field). */
  | 'OSDP_BAD_CONFIG'
  /** A reader id that is not configured on this bus. */
  | 'OSDP_UNKNOWN_READER';

export type OsdpReaderErrorCode = OsdpDriverErrorCode | OsdpErrorCode | WiegandErrorCode | TransportErrorCode;

export class OsdpReaderError extends Error implements CodedError<OsdpReaderErrorCode> {
  override readonly name = 'OsdpReaderError';
  constructor(
    readonly code: OsdpReaderErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function nakCode(reason: number): OsdpDriverErrorCode {
  return Number.isInteger(reason) && reason >= 1 && reason <= 9 ? (`OSDP_NAK_${reason}` as `OSDP_NAK_${NakReason}`) : 'OSDP_NAK_UNKNOWN';
}
