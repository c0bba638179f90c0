import type { CodedError } from '../core/index.ts';

/**
 * The OSDP error catalog, one code family per layer (libosdp style). A layer only
 * returns its own codes; the driver translates them at its boundary (e.g. a packet
 * with a bad CRC becomes "no valid reply" for the poll loop, a bad MAC tears down
 * the secure channel).
 */

/** Framing layer (packet.ts): the bytes are not a well-formed OSDP packet. */
export type OsdpPacketErrorCode =
  /** Bytes before a start-of-message (0x53); skipped up to the next SOM. */
  | 'OSDP_NO_SOM'
  /** The length field is below the smallest or above the largest packet. */
  | 'OSDP_BAD_LENGTH'
  | 'OSDP_BAD_CRC'
  | 'OSDP_BAD_CHECKSUM'
  /** The security block length does not fit in the packet. */
  | 'OSDP_BAD_SECURITY_BLOCK';

/** Command/reply layer (commands.ts): a known code with data that does not fit its layout. */
export type OsdpDataErrorCode = 'OSDP_UNKNOWN_CODE' | 'OSDP_DATA_LENGTH' | 'OSDP_BAD_VALUE';

/** Secure-channel layer (secure-channel.ts, secure-session.ts). */
export type OsdpSecureErrorCode =
  /** The 4-byte MAC does not match: wrong key, lost chain, tampering. */
  | 'OSDP_SC_BAD_MAC'
  /** Encrypted data is not a whole number of AES blocks, or its padding marker is missing. */
  | 'OSDP_SC_BAD_PADDING'
  /** The peer's cryptogram does not prove it holds the same key. */
  | 'OSDP_SC_BAD_CRYPTOGRAM'
  /** A secured packet arrived while no session is established, or a plain one while it is. */
  | 'OSDP_SC_NOT_ACTIVE'
  | 'OSDP_SC_UNEXPECTED_BLOCK';

export type OsdpErrorCode = OsdpPacketErrorCode | OsdpDataErrorCode | OsdpSecureErrorCode;

export type OsdpError<C extends OsdpErrorCode = OsdpErrorCode> = CodedError<C>;

export function osdpError<C extends OsdpErrorCode>(code: C, message: string, detail?: unknown): OsdpError<C> {
  return detail === undefined ? { code, message } : { code, message, detail };
}
