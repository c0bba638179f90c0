/** Coded errors of the embedded broker (logged and counted; MQTT 3.1.1 carries no reason text). */
export type BrokerErrorCode =
  | 'BROKER_AUTH_UNKNOWN_BOX' // username is no known box (or no password given)
  | 'BROKER_AUTH_BAD_SECRET' // wrong secret for the box
  | 'BROKER_AUTH_NOT_ACTIVE' // the box is pending or revoked
  | 'BROKER_AUTH_CLIENT_ID' // a box must use its box id as MQTT client id (else it could kick another box's session)
  | 'BROKER_ACL_PUBLISH_DENIED' // publish outside the box's own box->fleet topics
  | 'BROKER_ACL_SUBSCRIBE_DENIED' // subscribe outside the box's own fleet->box topics, or with a wildcard
  | 'BROKER_PAYLOAD_TOO_LARGE' // PUBLISH payload over the configured limit
  | 'BROKER_PACKET_TOO_LARGE' // MQTT packet header announced more than the limit: connection cut before buffering
  | 'BROKER_BUSY'; // over the connect rate (admission.ts): CONNACK 3, the box retries after its backoff

export type BrokerCounters = Record<BrokerErrorCode, number>;

export function emptyBrokerCounters(): BrokerCounters {
  return {
    BROKER_AUTH_UNKNOWN_BOX: 0,
    BROKER_AUTH_BAD_SECRET: 0,
    BROKER_AUTH_NOT_ACTIVE: 0,
    BROKER_AUTH_CLIENT_ID: 0,
    BROKER_ACL_PUBLISH_DENIED: 0,
    BROKER_ACL_SUBSCRIBE_DENIED: 0,
    BROKER_PAYLOAD_TOO_LARGE: 0,
    BROKER_PACKET_TOO_LARGE: 0,
    BROKER_BUSY: 0,
  };
}
