/**
 * The rights data model the agent stores and decides on. Instants are epoch milliseconds,
 * calendar dates are 'YYYY-MM-DD' in the zone's own time zone, times of day are 'HH:MM'
 * local time ('24:00' allowed as an end). Records are plain JSON-able data: a snapshot or
 * a delta received from the fleet is mapped onto these types before it is applied.
 */

export interface Member {
  readonly id: string;
  /** Shown to front-desk staff only; decide() never needs it. */
  readonly displayName?: string;
}

export type CredentialKind = 'badge' | 'pin' | 'qr';

/**
 * One way a member identifies at a reader. `value` is the canonical badge number
 * (decimal string), the PIN, or the static QR code text (day pass). Signed QR tokens are
 * not stored: they carry the member id and are checked against the club's QR keys.
 */
export interface MemberCredential {
  readonly id: string;
  readonly memberId: string;
  readonly kind: CredentialKind;
  readonly value: string;
}

/** ISO weekday: 1 = Monday ... 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** A weekly opening: [from, to) local time. `to` earlier than `from` runs past midnight. */
export interface OpeningPeriod {
  readonly weekday: IsoWeekday;
  readonly from: string;
  readonly to: string;
}

/**
 * A dated exception. `open` exceptions replace that date's weekly periods (special hours,
 * e.g. a bank holiday); `closed` exceptions are then subtracted (whole day without times).
 */
export interface OpeningException {
  readonly date: string;
  readonly kind: 'open' | 'closed';
  readonly from?: string;
  readonly to?: string;
}

export type AntiPassback =
  | { readonly mode: 'none' }
  /** No entry while the last pass recorded in this zone is an entry. */
  | { readonly mode: 'strict' }
  /** No second entry within `minutes` of the last entry, exit or not (exits are not badged). */
  | { readonly mode: 'timed'; readonly minutes: number };

export interface Zone {
  readonly id: string;
  readonly name: string;
  /** IANA time zone of the opening periods, e.g. 'Europe/Paris'. */
  readonly timezone: string;
  readonly periods: readonly OpeningPeriod[];
  readonly exceptions: readonly OpeningException[];
  /** Maximum people inside; absent = unlimited. */
  readonly capacity?: number;
  readonly antiPassback?: AntiPassback;
  /** After an exit, no entry before this many minutes (absent = 0). */
  readonly minReentryMinutes?: number;
  /** Entry needs a class booking: from `beforeMinutes` before the start to `afterMinutes` after. */
  readonly booking?: { readonly beforeMinutes: number; readonly afterMinutes: number };
}

/**
 * What entitles a member to enter zones: a subscription, or a visit pack ("carnet") with
 * visits left. Valid from `validFrom` to `validTo` inclusive (zone-local dates).
 */
export interface AccessRight {
  readonly id: string;
  readonly memberId: string;
  readonly kind: 'subscription' | 'pack';
  readonly zoneIds: readonly string[];
  readonly validFrom: string;
  readonly validTo: string;
  /** Packs only: visits left as counted by the fleet. */
  readonly visitsLeft?: number;
  /**
   * Packs only: the fleet counted every pass up to this instant into `visitsLeft`; visits
   * consumed on this box after it are still subtracted locally. Absent = the time the
   * record was applied on the box.
   */
  readonly visitsCountedUntil?: number;
  /** Entries allowed per zone-local day (absent = unlimited). */
  readonly maxEntriesPerDay?: number;
}

/** Blocks every entry of the member while active ([from, to), either end open). */
export interface BlockingAlert {
  readonly id: string;
  readonly memberId: string;
  readonly message: string;
  readonly from?: number;
  readonly to?: number;
}

export interface Booking {
  readonly id: string;
  readonly memberId: string;
  readonly zoneId: string;
  /** Class start, epoch ms. */
  readonly startsAt: number;
}

/** A club public key for signed QR tokens: Ed25519, raw 32 bytes in base64url. */
export interface QrKey {
  readonly keyId: string;
  readonly publicKey: string;
}

/** Every record kind, each keyed by id (QR keys by keyId). */
export interface RightsRecords {
  readonly members: readonly Member[];
  readonly credentials: readonly MemberCredential[];
  readonly zones: readonly Zone[];
  readonly rights: readonly AccessRight[];
  readonly alerts: readonly BlockingAlert[];
  readonly bookings: readonly Booking[];
  readonly qrKeys: readonly QrKey[];
}

/** The whole rights set at one version; replaces everything. */
export interface RightsSnapshot extends RightsRecords {
  readonly version: number;
}

export interface RightsDeletes {
  readonly members?: readonly string[];
  readonly credentials?: readonly string[];
  readonly zones?: readonly string[];
  readonly rights?: readonly string[];
  readonly alerts?: readonly string[];
  readonly bookings?: readonly string[];
  readonly qrKeys?: readonly string[];
}

/**
 * Changes from `baseVersion` to `version`: upserts then deletes (by id). Deleting a member
 * deletes its credentials, rights, alerts and bookings.
 */
export interface RightsDelta {
  readonly baseVersion: number;
  readonly version: number;
  readonly upserts: Partial<RightsRecords>;
  readonly deletes: RightsDeletes;
}
