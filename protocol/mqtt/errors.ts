import type { CodedError } from '../core/result.ts';

/** The MQTT contract's error catalog: every payload or topic problem maps to one code. */
export const CONTRACT_ERROR_CODES = [
  'MQTT_TOPIC_INVALID',
  'MQTT_TOPIC_UNKNOWN',
  'MQTT_PAYLOAD_TOO_LARGE',
  'MQTT_PAYLOAD_NOT_UTF8',
  'MQTT_PAYLOAD_NOT_JSON',
  'MQTT_SCHEMA_VERSION_UNSUPPORTED',
  'MQTT_PAYLOAD_INVALID',
] as const;
export type ContractErrorCode = (typeof CONTRACT_ERROR_CODES)[number];

export interface ContractError extends CodedError<ContractErrorCode> {
  /** For MQTT_PAYLOAD_INVALID: the first problems, as JSON pointers and messages. */
  readonly issues?: readonly { readonly path: string; readonly message: string }[];
}
