import Type from 'typebox';
import { EpochMs, Id, Nullable, NonNegInt, V } from './common.ts';

/**
 * The members' rights a box needs to decide offline (what the club backend pushes to the fleet).
 * Validity windows are half-open everywhere: a `validFrom`/`validTo` (or `from`/`until`)
 * pair holds while `validFrom <= now < validTo`; `validTo` is the first instant no longer
 * valid. A null or absent end is open.
 */

const HHMM = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$' });
const DATE = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' });

export const Member = Type.Object({
  id: Id,
  displayName: Type.String({ maxLength: 120 }),
  /** Until when the member's main subscription runs (shown at the totem); null if none. */
  subscriptionEnd: Nullable(EpochMs),
  /**
   * Blocking alerts set by the club (unpaid, medical certificate...): any one in force refuses
   * entry. `from`/`until` bound it in time (`from <= now < until`; absent or null: open end),
   * so a suspension ends on its date even on a box that is offline that day.
   */
  blockingAlerts: Type.Array(
    Type.Object({ id: Id, message: Type.String({ maxLength: 200 }), from: Type.Optional(Nullable(EpochMs)), until: Type.Optional(Nullable(EpochMs)) }),
    { maxItems: 20 },
  ),
});
export type Member = Type.Static<typeof Member>;

export const CREDENTIAL_KINDS = ['badge', 'pin', 'qr-key'] as const;
export const CredentialRecord = Type.Object({
  id: Id,
  memberId: Id,
  kind: Type.Enum(CREDENTIAL_KINDS),
  /** badge: canonical badge number (protocol/access); pin: the PIN; qr-key: the member id the QR tokens carry. */
  value: Type.String({ minLength: 1, maxLength: 128 }),
  validFrom: Nullable(EpochMs),
  validTo: Nullable(EpochMs),
});
export type CredentialRecord = Type.Static<typeof CredentialRecord>;

export const OpeningPeriod = Type.Object({
  /** ISO weekday, 1 = Monday ... 7 = Sunday, in the zone's time zone. */
  weekday: Type.Integer({ minimum: 1, maximum: 7 }),
  from: HHMM,
  to: HHMM,
});

/** A dated exception: the zone is closed that day (or between from/to), or exceptionally open. */
export const OpeningException = Type.Object({
  date: DATE,
  kind: Type.Enum(['closed', 'open'] as const),
  from: Nullable(HHMM),
  to: Nullable(HHMM),
});

export const ANTI_PASSBACK_MODES = ['none', 'strict', 'timed'] as const;
export const Zone = Type.Object({
  id: Id,
  name: Type.String({ maxLength: 120 }),
  /** IANA time zone of the opening periods, e.g. "Europe/Paris". */
  timezone: Type.String({ minLength: 1, maxLength: 64 }),
  capacity: Nullable(Type.Integer({ minimum: 1 })),
  periods: Type.Array(OpeningPeriod, { maxItems: 100 }),
  exceptions: Type.Array(OpeningException, { maxItems: 500 }),
  antiPassback: Type.Enum(ANTI_PASSBACK_MODES),
  antiPassbackMinutes: Nullable(Type.Integer({ minimum: 1 })),
  minReentryMinutes: Nullable(Type.Integer({ minimum: 1 })),
  /** Class zones: entry only with a booking, from `beforeMin` before its start to `afterMin` after. */
  bookingWindow: Nullable(Type.Object({ beforeMin: NonNegInt, afterMin: NonNegInt })),
});
export type Zone = Type.Static<typeof Zone>;

export const ACCESS_RIGHT_KINDS = ['subscription', 'pack'] as const;
export const AccessRight = Type.Object({
  id: Id,
  memberId: Id,
  kind: Type.Enum(ACCESS_RIGHT_KINDS),
  zoneIds: Type.Array(Id, { minItems: 1, maxItems: 50 }),
  validFrom: EpochMs,
  validTo: EpochMs,
  /** Packs ("carnets"): visits left; null for subscriptions. */
  visitsLeft: Nullable(NonNegInt),
  maxEntriesPerDay: Nullable(Type.Integer({ minimum: 1 })),
  /**
   * Packs: the instant up to which passes were counted into `visitsLeft`; a box still
   * subtracts the visits it recorded after it. Optional: without it a box takes the time it
   * applied the record. The fleet fills it with the upsert time when the club backend does not send it.
   */
  visitsCountedUntil: Type.Optional(EpochMs),
});
export type AccessRight = Type.Static<typeof AccessRight>;

export const Booking = Type.Object({ id: Id, memberId: Id, zoneId: Id, startsAt: EpochMs, endsAt: EpochMs });
export type Booking = Type.Static<typeof Booking>;

/**
 * An Ed25519 public key (raw 32 bytes, base64url) boxes verify signed QR codes with.
 * `use` says which: `member` (the default when absent) signs members' QR tokens (RBX1, made by
 * the club's backend or app); `ticket` signs printed tickets (RBT1: day and guest passes),
 * and is the key of the box named by `issuer`, which alone holds the private half. A key
 * verifies only codes of its own use.
 */
export const QR_KEY_USES = ['member', 'ticket'] as const;
export const QrKey = Type.Object({
  keyId: Id,
  publicKey: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
  validFrom: Nullable(EpochMs),
  validTo: Nullable(EpochMs),
  use: Type.Optional(Type.Enum(QR_KEY_USES)),
  issuer: Type.Optional(Id),
});
export type QrKey = Type.Static<typeof QrKey>;

const collections = {
  members: Type.Array(Member),
  credentials: Type.Array(CredentialRecord),
  zones: Type.Array(Zone),
  rights: Type.Array(AccessRight),
  bookings: Type.Array(Booking),
  qrKeys: Type.Array(QrKey),
};
export const RightsData = Type.Object(collections);
export type RightsData = Type.Static<typeof RightsData>;
export const RightsDeletes = Type.Object({
  members: Type.Array(Id),
  credentials: Type.Array(Id),
  zones: Type.Array(Id),
  rights: Type.Array(Id),
  bookings: Type.Array(Id),
  qrKeys: Type.Array(Id),
});
export type RightsDeletes = Type.Static<typeof RightsDeletes>;

/**
 * `rights`, QoS 1, fleet -> box. A snapshot replaces everything at `version`; it may come
 * in `chunks` parts that the box applies together once all arrived. A delta applies only
 * on top of `baseVersion`; on a gap the box publishes `rights/request`.
 */
export const RightsSnapshotMessage = Type.Object({
  v: V,
  kind: Type.Literal('snapshot'),
  clubId: Id,
  version: NonNegInt,
  /** The club's display name (the totem's header); optional, absent from older fleets. */
  clubName: Type.Optional(Type.String({ maxLength: 120 })),
  chunk: NonNegInt,
  chunks: Type.Integer({ minimum: 1, maximum: 10_000 }),
  generatedAt: EpochMs,
  data: RightsData,
});
export const RightsDeltaMessage = Type.Object({
  v: V,
  kind: Type.Literal('delta'),
  clubId: Id,
  version: Type.Integer({ minimum: 1 }),
  baseVersion: NonNegInt,
  clubName: Type.Optional(Type.String({ maxLength: 120 })),
  generatedAt: EpochMs,
  upserts: RightsData,
  deletes: RightsDeletes,
});
export const RightsMessage = Type.Union([RightsSnapshotMessage, RightsDeltaMessage]);
export type RightsSnapshotMessage = Type.Static<typeof RightsSnapshotMessage>;
export type RightsDeltaMessage = Type.Static<typeof RightsDeltaMessage>;
export type RightsMessage = Type.Static<typeof RightsMessage>;

/** `rights/request`, QoS 1, box -> fleet: "send me a snapshot". */
export const RightsRequestMessage = Type.Object({
  v: V,
  haveVersion: Nullable(NonNegInt),
  reason: Type.Enum(['startup', 'gap', 'corrupt', 'manual'] as const),
  ts: EpochMs,
});
export type RightsRequestMessage = Type.Static<typeof RightsRequestMessage>;

/** `rights/status`, QoS 1, retained, box -> fleet: the version the box decides with. */
export const RightsStatusMessage = Type.Object({
  v: V,
  clubId: Nullable(Id),
  version: NonNegInt,
  appliedAt: Nullable(EpochMs),
  members: NonNegInt,
});
export type RightsStatusMessage = Type.Static<typeof RightsStatusMessage>;
