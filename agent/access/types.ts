import type { KeyObject } from 'node:crypto';
import type { Explanation } from '../../protocol/access/explanation.ts';
import type { DecisionReasonCode } from '../../protocol/access/reasons.ts';
import type { TicketKind } from '../../protocol/access/ticket-token.ts';
import type { AccessRight, BlockingAlert, Booking, CredentialKind, Member, MemberCredential, QrKey, Zone } from './model.ts';

/** A club QR public key, imported once per apply. */
export interface ClubQrKey {
  readonly record: QrKey;
  readonly key: KeyObject;
}

/**
 * An immutable, in-memory view of one rights version. Every lookup is a Map access: no
 * I/O, so decide() stays pure and fast. A new view is built on every apply; a view already
 * handed out never changes.
 */
export interface RightsView {
  readonly version: number;
  /** Looks up a stored credential by kind and value (badge numbers canonicalised). */
  credential(kind: CredentialKind, value: string): MemberCredential | undefined;
  member(memberId: string): Member | undefined;
  /** Every member (the front desk's search by name; never used by decide()). */
  members(): Iterable<Member>;
  zone(zoneId: string): Zone | undefined;
  rightsOf(memberId: string): readonly AccessRight[];
  /** Visits left on a pack right: the fleet's count minus visits consumed on this box since. */
  visitsLeft(right: AccessRight): number | undefined;
  alertsOf(memberId: string): readonly BlockingAlert[];
  bookingsOf(memberId: string): readonly Booking[];
  /** A club public key for signed QR tokens, by key id (validity not checked here). */
  qrKey(keyId: string): ClubQrKey | undefined;
}

export type LaneKind = 'entry' | 'exit' | 'accessible';
export type Direction = 'in' | 'out';

/** The lane a credential was presented at; `direction` is the way the person wants to go. */
export interface LaneContext {
  readonly laneId: string;
  readonly zoneId: string;
  readonly kind: LaneKind;
  readonly direction: Direction;
}

export interface PassRecord {
  /** Epoch ms of the confirmed passage. */
  readonly at: number;
  readonly direction: Direction;
}

/**
 * What the lanes know besides rights, as immutable data. The caller records a pass into it
 * after a confirmed passage (not after a grant: a person who did not go through keeps
 * their visit and their anti-passback state).
 */
export interface DecisionState {
  readonly rights: RightsView;
  /** People inside, per zone id. */
  readonly occupancy: ReadonlyMap<string, number>;
  /** Last confirmed pass per zone id, then per member id (anti-passback, re-entry delay). */
  readonly lastPass: ReadonlyMap<string, ReadonlyMap<string, PassRecord>>;
  /**
   * Epoch ms of the member's confirmed entries per zone id then member id; the caller keeps
   * at least the last 48 hours. decide() counts those of the current zone-local day.
   */
  readonly recentEntries: ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>;
  /** Nonces of signed QR tokens and ids of tickets already used (kept at least until the token expiry). */
  readonly usedQrNonces: ReadonlySet<string>;
  /** This box's own ticket keys by key id: the tickets it printed are good before the fleet has published its key. */
  readonly ownTicketKeys?: ReadonlyMap<string, KeyObject>;
  /**
   * Set when the rights snapshot is older than the offline limit (`offline.rightsMaxAgeHours`
   * without fleet contact): the policy to apply. `deny-all` refuses every entry with
   * `rights-expired`; `keep-known-members` keeps deciding on the snapshot as it is.
   */
  readonly rightsExpired?: RightsExpiredPolicy;
  /**
   * Explain this decision even if it is a grant (refusals are always explained). The lanes
   * set it for a sampled share of grants (agent/lanes/grant-sampler.ts).
   */
  readonly explainGrant?: boolean;
}

export type RightsExpiredPolicy = 'deny-all' | 'keep-known-members';

export interface Decision {
  readonly granted: boolean;
  readonly reason: DecisionReasonCode;
  /** French label for the reader display and the journal. */
  readonly message: string;
  readonly memberId?: string;
  /** The right that granted the entry. */
  readonly rightId?: string;
  /** The signed QR token nonce (or ticket id) to record as used once the passage is confirmed. */
  readonly qrNonce?: string;
  /** A printed ticket (day or guest pass) presented instead of a member's credential. */
  readonly ticket?: { readonly id: string; readonly kind: TicketKind };
  /** True when the entry uses one visit of a pack: record it after the passage. */
  readonly consumesVisit?: boolean;
  /** Version of the rights snapshot this decision was made on. */
  readonly rightsVersion: number;
  /** The rules evaluated and their facts: on every refusal, and on grants when `explainGrant` asked. */
  readonly explanation?: Explanation;
}
