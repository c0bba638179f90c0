import type {
  AccessRight as ContractAccessRight,
  Booking,
  CredentialRecord,
  Member,
  QrKey,
  RightsData,
  RightsDeletes,
  RightsDeltaMessage,
  RightsSnapshotMessage,
  Zone,
} from '../../protocol/mqtt/index.ts';

/**
 * The rights data model is the MQTT contract's (protocol/mqtt/schemas/rights.ts): the
 * store accepts its snapshot and delta messages as they come off the wire and keeps the
 * records as they are. Instants are epoch ms; opening periods and exceptions are local
 * times ('HH:MM') and dates ('YYYY-MM-DD') in the zone's time zone.
 */
export type { Booking, Member, QrKey, RightsData, RightsDeletes, RightsDeltaMessage, RightsSnapshotMessage, Zone };

/** A stored credential: `value` is the canonical badge number, the PIN, or the QR key a token carries. */
export type MemberCredential = CredentialRecord;
export type CredentialKind = CredentialRecord['kind'];
export type BlockingAlert = Member['blockingAlerts'][number];
export type OpeningPeriod = Zone['periods'][number];
export type OpeningException = Zone['exceptions'][number];
export type AntiPassbackMode = Zone['antiPassback'];

/**
 * An access right as stored. `visitsCountedUntil` (packs) is the instant up to which the
 * fleet counted passes into `visitsLeft`; visits consumed on this box after it are still
 * subtracted locally. When the fleet did not send it, the store sets it to the time the
 * record was applied (see docs/access-rules.md, "Pack visits").
 */
export type AccessRight = ContractAccessRight;

/** ISO weekday: 1 = Monday ... 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** Every record kind of a rights set, as stored. */
export interface RightsRecords {
  readonly members: readonly Member[];
  readonly credentials: readonly MemberCredential[];
  readonly zones: readonly Zone[];
  readonly rights: readonly AccessRight[];
  readonly bookings: readonly Booking[];
  readonly qrKeys: readonly QrKey[];
}
