import type { AccessRight } from '../../protocol/mqtt/index.ts';
import { apiError } from '../api/errors.ts';
import type { BoxDirectory } from '../store/box-directory.ts';
import type { MemberHit, SupportQueries } from '../store/support-queries.ts';
import { passInWords, refusingRule } from './explain-words.ts';

export interface MemberViewDeps {
  readonly queries: SupportQueries;
  readonly boxes: BoxDirectory;
  readonly clubRightsVersion: (clubId: string) => Promise<number | null>;
  readonly clubName: (clubId: string) => Promise<string | null>;
  readonly now: () => number;
}

/** One of the member's passes as support reads it: the cause in plain words, the box's explanation to expand. */
export interface MemberPassView {
  readonly boxId: string;
  readonly clubId: string | null;
  readonly seq: number;
  readonly at: number;
  readonly lane: string;
  readonly direction: string | null;
  readonly outcome: string | null;
  readonly granted: boolean;
  readonly reason: string;
  readonly rightsVersion: number | null;
  readonly summary: string;
  readonly rule: string | null;
  readonly explanation: unknown;
}

/** A right as the fleet holds it now, and whether it is in force. */
export type RightView = AccessRight & { readonly state: 'active' | 'ended' | 'not-started' };

/** Each box of a club with the rights version it decides with: behind when below the club's. */
export interface BoxRightsView {
  readonly boxId: string;
  readonly name: string;
  readonly online: boolean;
  readonly rightsVersion: number | null;
  readonly behindBy: number | null;
}

export interface MemberClubView {
  readonly clubId: string;
  readonly clubName: string | null;
  readonly fleetRightsVersion: number | null;
  readonly displayName: string;
  readonly subscriptionEnd: number | null;
  readonly blockingAlerts: readonly { readonly id: string; readonly message: string; readonly from?: number | null; readonly until?: number | null }[];
  readonly rights: readonly RightView[];
  readonly bookings: readonly { readonly id: string; readonly zoneId: string; readonly startsAt: number; readonly endsAt: number }[];
  readonly credentials: readonly { readonly id: string; readonly kind: string; readonly validFrom: number | null; readonly validTo: number | null }[];
  readonly boxes: readonly BoxRightsView[];
}

export interface MemberView {
  readonly memberId: string;
  readonly clubs: readonly MemberClubView[];
  readonly passes: readonly MemberPassView[];
}

/**
 * The member view of support (`GET /v1/members/:id`, `resabox member show`): what each club
 * holds about the member now, the rights version each box of those clubs decides with, and
 * the member's passes across clubs, each with its cause in plain words.
 */
export class MemberViews {
  constructor(private readonly d: MemberViewDeps) {}

  search(text: string, limit: number): Promise<MemberHit[]> {
    return this.d.queries.findMembers(text, limit);
  }

  async show(memberId: string, passLimit: number): Promise<MemberView> {
    const [records, passes] = await Promise.all([this.d.queries.memberRecords(memberId), this.d.queries.memberPasses(memberId, passLimit)]);
    if (records.length === 0 && passes.length === 0) throw apiError('MEMBER_NOT_FOUND', `no member ${memberId} in any club`);
    const now = this.d.now();
    const clubs = await Promise.all(records.map(async (r): Promise<MemberClubView> => {
      const [fleetRightsVersion, clubName, boxes] = await Promise.all([this.d.clubRightsVersion(r.clubId), this.d.clubName(r.clubId), this.d.boxes.list({ clubId: r.clubId, status: 'active', limit: 1000, offset: 0 })]);
      return {
        clubId: r.clubId,
        clubName,
        fleetRightsVersion,
        displayName: r.member.displayName,
        subscriptionEnd: r.member.subscriptionEnd,
        blockingAlerts: r.member.blockingAlerts,
        rights: r.rights.map((a) => ({ ...a, state: now < a.validFrom ? 'not-started' : now >= a.validTo ? 'ended' : 'active' })),
        bookings: r.bookings.map((b) => ({ id: b.id, zoneId: b.zoneId, startsAt: b.startsAt, endsAt: b.endsAt })),
        credentials: r.credentials,
        boxes: boxes.map((b) => ({
          boxId: b.id,
          name: b.name,
          online: b.online,
          rightsVersion: b.rightsVersion,
          behindBy: fleetRightsVersion === null || b.rightsVersion === null ? null : Math.max(0, fleetRightsVersion - b.rightsVersion),
        })),
      };
    }));
    return {
      memberId,
      clubs,
      passes: passes.map((p) => {
        const explanation = p.data.explanation ?? null;
        return {
          boxId: p.boxId,
          clubId: p.clubId,
          seq: p.seq,
          at: p.at,
          lane: p.lane,
          direction: p.direction,
          outcome: p.outcome,
          granted: p.granted,
          reason: p.reason,
          rightsVersion: p.rightsVersion,
          summary: passInWords(p.reason, explanation, typeof p.data.note === 'string' ? p.data.note : null),
          rule: refusingRule(explanation),
          explanation,
        };
      }),
    };
  }
}
