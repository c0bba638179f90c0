/** The uplink's coded errors (stable `code` strings; logged and carried in command results). */
export type UplinkErrorCode =
  | 'UPLINK_CREDENTIALS_INVALID'
  | 'UPLINK_MESSAGE_INVALID'
  | 'UPLINK_ACK_INVALID'
  | 'UPLINK_RIGHTS_REFUSED'
  | 'UPLINK_COMMAND_EXPIRED'
  | 'UPLINK_COMMAND_UNSUPPORTED'
  | 'UPLINK_COMMAND_FAILED'
  | 'UPLINK_LANE_BUSY'
  | 'UPLINK_NO_PRINTER'
  | 'UPLINK_NOT_CONNECTED';

export class UplinkError extends Error {
  constructor(
    readonly code: UplinkErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UplinkError';
  }
}
