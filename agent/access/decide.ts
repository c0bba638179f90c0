import { isQrToken, verifyQrToken } from '../../protocol/access/qr-token.ts';
import { REASON_LABELS_FR } from '../../protocol/access/reasons.ts';
import type { DecisionReasonCode } from '../../protocol/access/reasons.ts';
import type { Credential } from '../devices/reader.ts';
import { localTime } from './local-time.ts';
import type { LocalTime } from './local-time.ts';
import type { AccessRight, Zone } from './model.ts';
import { isZoneOpenAt } from './opening.ts';
import type { Decision, DecisionState, LaneContext, RightsView } from './types.ts';

const MINUTE = 60_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

type Identified =
  | { readonly ok: true; readonly memberId: string; readonly qrNonce?: string }
  | { readonly ok: false; readonly reason: DecisionReasonCode; readonly memberId?: string };

/**
 * The access rules (docs/access-rules.md). Pure: no I/O, no clock; `now` is epoch ms and
 * `state` an immutable snapshot of rights and lane facts. The same inputs give the same
 * decision. Exits are always granted (nobody is ever kept inside); entries are checked in
 * this order, the first failing rule giving the reason: credential, blocking alert, zone
 * opening, right (coverage, validity, visits and daily quota), booking window,
 * anti-passback, minimum re-entry interval, capacity. Malformed rights data fail closed.
 */
export function decide(credential: Credential, lane: LaneContext, now: number, state: DecisionState): Decision {
  const rights = state.rights;
  const version = rights.version;
  const who = identify(credential, rights, now, state.usedQrNonces);
  if (lane.direction === 'out') {
    return who.ok ? result(true, 'granted', version, { memberId: who.memberId }) : result(true, 'granted', version, {});
  }
  if (!who.ok) return result(false, who.reason, version, who.memberId === undefined ? {} : { memberId: who.memberId });
  const memberId = who.memberId;
  const deny = (reason: DecisionReasonCode): Decision => result(false, reason, version, { memberId });

  if (rights.member(memberId) === undefined) return deny('unknown-credential');
  if (rights.alertsOf(memberId).some((a) => (a.from === undefined || now >= a.from) && (a.to === undefined || now < a.to))) {
    return deny('blocking-alert');
  }
  const zone = rights.zone(lane.zoneId);
  const local = zone === undefined ? undefined : localTime(now, zone.timezone);
  if (zone === undefined || local === undefined || !isZoneOpenAt(zone, local)) return deny('zone-closed');

  const picked = pickRight(memberId, zone, local, state);
  if (!picked.ok) return deny(picked.reason);
  const right = picked.right;

  if (zone.booking !== undefined) {
    const before = zone.booking.beforeMinutes * MINUTE;
    const after = zone.booking.afterMinutes * MINUTE;
    const booked = rights
      .bookingsOf(memberId)
      .some((b) => b.zoneId === zone.id && now >= b.startsAt - before && now <= b.startsAt + after);
    if (!booked) return deny('booking-window');
  }

  const last = state.lastPass.get(zone.id)?.get(memberId);
  const apb = zone.antiPassback ?? { mode: 'none' };
  if (apb.mode === 'strict' && last?.direction === 'in') return deny('anti-passback');
  if (apb.mode === 'timed') {
    let lastEntry = last?.direction === 'in' ? last.at : Number.NEGATIVE_INFINITY;
    for (const at of entriesOf(state, zone.id, memberId)) lastEntry = Math.max(lastEntry, at);
    if (now - lastEntry < apb.minutes * MINUTE) return deny('anti-passback');
  }
  if (zone.minReentryMinutes !== undefined && last?.direction === 'out' && now - last.at < zone.minReentryMinutes * MINUTE) {
    return deny('min-reentry-interval');
  }
  if (zone.capacity !== undefined && !((state.occupancy.get(zone.id) ?? 0) < zone.capacity)) return deny('capacity-reached');

  const extra: Partial<Decision> = { memberId, rightId: right.id, consumesVisit: right.kind === 'pack' };
  return result(true, 'granted', version, who.qrNonce === undefined ? extra : { ...extra, qrNonce: who.qrNonce });
}

function identify(credential: Credential, rights: RightsView, now: number, usedNonces: ReadonlySet<string>): Identified {
  switch (credential.kind) {
    case 'badge':
      return stored(rights.credential('badge', credential.number)?.memberId);
    case 'pin':
      return stored(rights.credential('pin', credential.pin)?.memberId);
    case 'qr': {
      if (!isQrToken(credential.payload)) return stored(rights.credential('qr', credential.payload)?.memberId);
      const token = verifyQrToken(credential.payload, (keyId) => rights.qrKey(keyId), now);
      if (!token.ok) return { ok: false, reason: token.error.code === 'QR_EXPIRED' ? 'qr-expired' : 'qr-invalid' };
      const { memberId, nonce } = token.value;
      if (usedNonces.has(nonce)) return { ok: false, reason: 'qr-replayed', memberId };
      return { ok: true, memberId, qrNonce: nonce };
    }
  }
}

function stored(memberId: string | undefined): Identified {
  return memberId === undefined ? { ok: false, reason: 'unknown-credential' } : { ok: true, memberId };
}

type Picked = { readonly ok: true; readonly right: AccessRight } | { readonly ok: false; readonly reason: DecisionReasonCode };

/**
 * The right to use: among those covering the zone and valid today, with visits and daily
 * quota left, a subscription before a pack (keep the visits), then the one ending first.
 */
function pickRight(memberId: string, zone: Zone, local: LocalTime, state: DecisionState): Picked {
  const covering = state.rights.rightsOf(memberId).filter((r) => r.zoneIds.includes(zone.id));
  if (covering.length === 0) return { ok: false, reason: 'no-access-right' };
  const valid = covering.filter(
    (r) => ISO_DATE.test(r.validFrom) && ISO_DATE.test(r.validTo) && r.validFrom <= local.date && local.date <= r.validTo,
  );
  if (valid.length === 0) return { ok: false, reason: 'outside-validity' };
  const usable = valid.filter((r) => {
    if (r.kind === 'pack' && !((state.rights.visitsLeft(r) ?? 0) > 0)) return false;
    return r.maxEntriesPerDay === undefined || entriesToday(r, memberId, zone, local, state) < r.maxEntriesPerDay;
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
