import { isQrToken, verifyQrToken } from '../../protocol/access/qr-token.ts';
import { isTicketToken } from '../../protocol/access/ticket-token.ts';
import { REASON_LABELS_FR } from '../../protocol/access/reasons.ts';
import type { DecisionReasonCode } from '../../protocol/access/reasons.ts';
import type { Credential } from '../devices/reader.ts';
import { localTime } from './local-time.ts';
import type { LocalTime } from './local-time.ts';
import type { AccessRight, MemberCredential, Zone } from './model.ts';
import { isZoneOpenAt } from './opening.ts';
import { decideTicket } from './ticket-rules.ts';
import type { Decision, DecisionState, LaneContext, RightsView } from './types.ts';

const MINUTE = 60_000;

type Identified =
  | { readonly ok: true; readonly memberId: string; readonly qrNonce?: string }
  | { readonly ok: false; readonly reason: DecisionReasonCode; readonly memberId?: string };

/**
 * The access rules (docs/access-rules.md). Pure: no I/O, no clock; `now` is epoch ms and
 * `state` an immutable snapshot of rights and lane facts. The same inputs give the same
 * decision. Exits are always granted (nobody is ever kept inside); entries are checked in
 * this order, the first failing rule giving the reason: credential, expired rights
 * (`state.rightsExpired` = deny-all), blocking alert, zone
 * opening, right (coverage, validity, visits and daily quota), booking window,
 * anti-passback, minimum re-entry interval, capacity. Malformed rights data fail closed.
 * A printed ticket (RBT1) follows its own rules (ticket-rules.ts).
 */
export function decide(credential: Credential, lane: LaneContext, now: number, state: DecisionState): Decision {
  if (credential.kind === 'qr' && isTicketToken(credential.payload)) return decideTicket(credential.payload, lane, now, state);
  const rights = state.rights;
  const version = rights.version;
  const who = identify(credential, rights, now, state.usedQrNonces);
  if (lane.direction === 'out') {
    return who.ok ? result(true, 'granted', version, { memberId: who.memberId }) : result(true, 'granted', version, {});
  }
  if (!who.ok) return result(false, who.reason, version, who.memberId === undefined ? {} : { memberId: who.memberId });
  const memberId = who.memberId;
  if (state.rightsExpired === 'deny-all') return result(false, 'rights-expired', version, { memberId });
  const deny = (reason: DecisionReasonCode): Decision => result(false, reason, version, { memberId });

  if (rights.member(memberId) === undefined) return deny('unknown-credential');
  if (rights.alertsOf(memberId).some((a) => within(now, a.from, a.until))) return deny('blocking-alert');
  const zone = rights.zone(lane.zoneId);
  const local = zone === undefined ? undefined : localTime(now, zone.timezone);
  if (zone === undefined || local === undefined || !isZoneOpenAt(zone, local)) return deny('zone-closed');

  const picked = pickRight(memberId, zone, now, local, state);
  if (!picked.ok) return deny(picked.reason);
  const right = picked.right;

  const window = zone.bookingWindow;
  if (window !== null && window !== undefined) {
    const booked = rights
      .bookingsOf(memberId)
      .some((b) => b.zoneId === zone.id && now >= b.startsAt - window.beforeMin * MINUTE && now <= b.startsAt + window.afterMin * MINUTE);
    if (!booked) return deny('booking-window');
  }

  const last = state.lastPass.get(zone.id)?.get(memberId);
  if (zone.antiPassback === 'strict' && last?.direction === 'in') return deny('anti-passback');
  if (zone.antiPassback === 'timed' && typeof zone.antiPassbackMinutes === 'number') {
    let lastEntry = last?.direction === 'in' ? last.at : Number.NEGATIVE_INFINITY;
    for (const at of entriesOf(state, zone.id, memberId)) lastEntry = Math.max(lastEntry, at);
    if (now - lastEntry < zone.antiPassbackMinutes * MINUTE) return deny('anti-passback');
  }
  const reentry = zone.minReentryMinutes;
  if (typeof reentry === 'number' && last?.direction === 'out' && now - last.at < reentry * MINUTE) return deny('min-reentry-interval');
  if (typeof zone.capacity === 'number' && !((state.occupancy.get(zone.id) ?? 0) < zone.capacity)) return deny('capacity-reached');

  const extra: Partial<Decision> = { memberId, rightId: right.id, consumesVisit: right.kind === 'pack' };
  return result(true, 'granted', version, who.qrNonce === undefined ? extra : { ...extra, qrNonce: who.qrNonce });
}

/**
 * Who presents the credential. A signed QR token carries the member's QR key (a `qr-key`
 * credential); any other QR text is invalid (the contract has no static QR codes).
 */
function identify(credential: Credential, rights: RightsView, now: number, usedNonces: ReadonlySet<string>): Identified {
  switch (credential.kind) {
    case 'badge':
      return stored(rights.credential('badge', credential.number), now);
    case 'pin':
      return stored(rights.credential('pin', credential.pin), now);
    case 'qr': {
      if (!isQrToken(credential.payload)) return { ok: false, reason: 'qr-invalid' };
      // Members' tokens are checked with member keys only: a box's ticket key signs tickets, nothing else.
      const token = verifyQrToken(credential.payload, (keyId) => usableKey(rights, keyId, now), now);
      if (!token.ok) return { ok: false, reason: token.error.code === 'QR_EXPIRED' ? 'qr-expired' : 'qr-invalid' };
      const found = stored(rights.credential('qr-key', token.value.memberId), now);
      if (!found.ok) return found;
      if (usedNonces.has(token.value.nonce)) return { ok: false, reason: 'qr-replayed', memberId: found.memberId };
      return { ok: true, memberId: found.memberId, qrNonce: token.value.nonce };
    }
  }
}

function usableKey(rights: RightsView, keyId: string, now: number) {
  const club = rights.qrKey(keyId);
  if (club === undefined || (club.record.use ?? 'member') !== 'member' || !within(now, club.record.validFrom, club.record.validTo)) return undefined;
  return club.key;
}

function stored(credential: MemberCredential | undefined, now: number): Identified {
  if (credential === undefined) return { ok: false, reason: 'unknown-credential' };
  if (!within(now, credential.validFrom, credential.validTo)) return { ok: false, reason: 'outside-validity', memberId: credential.memberId };
  return { ok: true, memberId: credential.memberId };
}

/** [from, to): null or absent ends are open. NaN bounds make it false (fail closed). */
function within(now: number, from: number | null | undefined, to: number | null | undefined): boolean {
  return (from == null || now >= from) && (to == null || now < to);
}

type Picked = { readonly ok: true; readonly right: AccessRight } | { readonly ok: false; readonly reason: DecisionReasonCode };

/**
 * The right to use: among those covering the zone and valid now, with visits and daily
 * quota left, a subscription before a pack (keep the visits), then the one ending first.
 */
function pickRight(memberId: string, zone: Zone, now: number, local: LocalTime, state: DecisionState): Picked {
  const covering = state.rights.rightsOf(memberId).filter((r) => r.zoneIds.includes(zone.id));
  if (covering.length === 0) return { ok: false, reason: 'no-access-right' };
  const valid = covering.filter((r) => within(now, r.validFrom, r.validTo));
  if (valid.length === 0) return { ok: false, reason: 'outside-validity' };
  const usable = valid.filter((r) => {
    if (r.kind === 'pack' && !((state.rights.visitsLeft(r) ?? 0) > 0)) return false;
    return typeof r.maxEntriesPerDay !== 'number' || entriesToday(r, memberId, zone, local, state) < r.maxEntriesPerDay;
  });
  const best = usable.sort(preferred)[0];
  return best === undefined ? { ok: false, reason: 'quota-exhausted' } : { ok: true, right: best };
}

function preferred(a: AccessRight, b: AccessRight): number {
  if (a.kind !== b.kind) return a.kind === 'subscription' ? -1 : 1;
  return a.validTo < b.validTo ? -1 : a.validTo > b.validTo ? 1 : 0;
}

/** Entries of the member on the zone-local date, in every zone the right covers. */
function entriesToday(right: AccessRight, memberId: string, zone: Zone, local: LocalTime, state: DecisionState): number {
  let count = 0;
  for (const zoneId of new Set(right.zoneIds)) {
    for (const at of entriesOf(state, zoneId, memberId)) if (localTime(at, zone.timezone)?.date === local.date) count++;
  }
  return count;
}

function entriesOf(state: DecisionState, zoneId: string, memberId: string): readonly number[] {
  return state.recentEntries.get(zoneId)?.get(memberId) ?? [];
}

function result(granted: boolean, reason: DecisionReasonCode, rightsVersion: number, extra: Partial<Decision>): Decision {
  return { granted, reason, message: REASON_LABELS_FR[reason], rightsVersion, ...extra };
}
