import type { CredentialFacts, RightCandidate, RightStatus } from '../../protocol/access/explanation.ts';
import { isQrToken, verifyQrToken } from '../../protocol/access/qr-token.ts';
import { envelopeKeyIdOf } from '../../protocol/access/signed-envelope.ts';
import { isTicketToken } from '../../protocol/access/ticket-token.ts';
import { REASON_LABELS_FR } from '../../protocol/access/reasons.ts';
import type { DecisionReasonCode } from '../../protocol/access/reasons.ts';
import type { Credential } from '../devices/reader.ts';
import { alertFacts, bookingFacts, listed, rightCandidate, Trace, zoneFacts } from './explain.ts';
import { localTime } from './local-time.ts';
import type { LocalTime } from './local-time.ts';
import type { AccessRight, MemberCredential, Zone } from './model.ts';
import { isZoneOpenAt } from './opening.ts';
import { decideTicket } from './ticket-rules.ts';
import type { Decision, DecisionState, LaneContext, RightsView } from './types.ts';

const MINUTE = 60_000;

type Identified =
  | { readonly ok: true; readonly memberId: string; readonly qrNonce?: string; readonly facts: CredentialFacts }
  | { readonly ok: false; readonly reason: DecisionReasonCode; readonly memberId?: string; readonly facts: CredentialFacts };

/**
 * The access rules (docs/access-rules.md). Pure: no I/O, no clock; `now` is epoch ms and
 * `state` an immutable snapshot of rights and lane facts. The same inputs give the same
 * decision. Exits are always granted (nobody is ever kept inside); entries are checked in
 * this order, the first failing rule giving the reason: credential, expired rights
 * (`state.rightsExpired` = deny-all), blocking alert, zone
 * opening, right (coverage, validity, visits and daily quota), booking window,
 * anti-passback, minimum re-entry interval, capacity. Malformed rights data fail closed.
 * A printed ticket (RBT1) follows its own rules (ticket-rules.ts).
 *
 * Every refusal carries its explanation (the rules evaluated with their facts); a grant
 * carries one when `state.explainGrant` is set (the lanes sample a share of grants).
 */
export function decide(credential: Credential, lane: LaneContext, now: number, state: DecisionState): Decision {
  const trace = new Trace(now);
  const decision =
    credential.kind === 'qr' && isTicketToken(credential.payload) ? decideTicket(credential.payload, lane, now, state, trace) : evaluate(credential, lane, now, state, trace);
  if (decision.granted && state.explainGrant !== true) return decision;
  return { ...decision, explanation: trace.build(decision.rightsVersion) };
}

function evaluate(credential: Credential, lane: LaneContext, now: number, state: DecisionState, trace: Trace): Decision {
  const rights = state.rights;
  const version = rights.version;
  const zone = rights.zone(lane.zoneId);
  if (zone !== undefined) trace.zoneTimezone(zone.timezone);
  const who = identify(credential, rights, now, state.usedQrNonces, trace);
  trace.add({ rule: 'credential', outcome: who.ok ? 'pass' : lane.direction === 'out' ? 'skip' : 'fail', facts: who.facts });
  if (lane.direction === 'out') {
    trace.add({ rule: 'exit', outcome: 'pass' });
    return who.ok ? result(true, 'granted', version, { memberId: who.memberId }) : result(true, 'granted', version, {});
  }
  if (!who.ok) return result(false, who.reason, version, who.memberId === undefined ? {} : { memberId: who.memberId });
  const memberId = who.memberId;
  const expired = state.rightsExpired;
  trace.add({ rule: 'rights-fresh', outcome: expired === 'deny-all' ? 'fail' : 'pass', facts: { expired: expired !== undefined, policy: expired ?? null } });
  if (expired === 'deny-all') return result(false, 'rights-expired', version, { memberId });
  const deny = (reason: DecisionReasonCode): Decision => result(false, reason, version, { memberId });

  const member = rights.member(memberId);
  trace.add({ rule: 'member', outcome: member === undefined ? 'fail' : 'pass', facts: { memberId, known: member !== undefined, subscriptionEnd: trace.optionalInstant(member?.subscriptionEnd) } });
  if (member === undefined) return deny('unknown-credential');
  const alerts = rights.alertsOf(memberId).filter((a) => within(now, a.from, a.until));
  trace.add({ rule: 'blocking-alert', outcome: alerts.length > 0 ? 'fail' : 'pass', facts: alertFacts(trace, alerts) });
  if (alerts.length > 0) return deny('blocking-alert');
  const local = zone === undefined ? undefined : localTime(now, zone.timezone);
  const open = zone !== undefined && local !== undefined && isZoneOpenAt(zone, local);
  trace.add({ rule: 'zone-open', outcome: open ? 'pass' : 'fail', facts: zoneFacts(trace, lane.zoneId, zone, local, open, now) });
  if (zone === undefined || local === undefined || !open) return deny('zone-closed');

  const picked = pickRight(memberId, zone, now, local, state, trace);
  if (!picked.ok) return deny(picked.reason);
  const right = picked.right;

  const window = zone.bookingWindow;
  if (window !== null && window !== undefined) {
    const bookings = rights.bookingsOf(memberId).filter((b) => b.zoneId === zone.id);
    const opened = bookings.find((b) => now >= b.startsAt - window.beforeMin * MINUTE && now <= b.startsAt + window.afterMin * MINUTE);
    trace.add({ rule: 'booking-window', outcome: opened === undefined ? 'fail' : 'pass', facts: bookingFacts(trace, window, bookings, now, opened) });
    if (opened === undefined) return deny('booking-window');
  } else trace.add({ rule: 'booking-window', outcome: 'skip' });

  const last = state.lastPass.get(zone.id)?.get(memberId);
  const lastPass = last === undefined ? null : { at: trace.instant(last.at), direction: last.direction };
  if (zone.antiPassback === 'strict') {
    const inside = last?.direction === 'in';
    trace.add({ rule: 'anti-passback', outcome: inside ? 'fail' : 'pass', facts: { mode: 'strict', minutes: null, lastPass, lastEntry: null, allowedFrom: null } });
    if (inside) return deny('anti-passback');
  } else if (zone.antiPassback === 'timed' && typeof zone.antiPassbackMinutes === 'number') {
    let lastEntry = last?.direction === 'in' ? last.at : Number.NEGATIVE_INFINITY;
    for (const at of entriesOf(state, zone.id, memberId)) lastEntry = Math.max(lastEntry, at);
    const tooSoon = now - lastEntry < zone.antiPassbackMinutes * MINUTE;
    const entry = Number.isFinite(lastEntry) ? lastEntry : null;
    const allowedFrom = entry === null ? null : trace.instant(entry + zone.antiPassbackMinutes * MINUTE);
    trace.add({ rule: 'anti-passback', outcome: tooSoon ? 'fail' : 'pass', facts: { mode: 'timed', minutes: zone.antiPassbackMinutes, lastPass, lastEntry: trace.optionalInstant(entry), allowedFrom } });
    if (tooSoon) return deny('anti-passback');
  } else trace.add({ rule: 'anti-passback', outcome: 'skip' });

  const reentry = zone.minReentryMinutes;
  if (typeof reentry === 'number') {
    const exit = last?.direction === 'out' ? last.at : null;
    const tooSoon = exit !== null && now - exit < reentry * MINUTE;
    trace.add({ rule: 'min-reentry', outcome: tooSoon ? 'fail' : 'pass', facts: { minutes: reentry, lastExit: trace.optionalInstant(exit), allowedFrom: exit === null ? null : trace.instant(exit + reentry * MINUTE) } });
    if (tooSoon) return deny('min-reentry-interval');
  } else trace.add({ rule: 'min-reentry', outcome: 'skip' });

  if (typeof zone.capacity === 'number') {
    const occupancy = state.occupancy.get(zone.id) ?? 0;
    const full = !(occupancy < zone.capacity);
    trace.add({ rule: 'capacity', outcome: full ? 'fail' : 'pass', facts: { occupancy, capacity: zone.capacity } });
    if (full) return deny('capacity-reached');
  } else trace.add({ rule: 'capacity', outcome: 'skip' });

  const extra: Partial<Decision> = { memberId, rightId: right.id, consumesVisit: right.kind === 'pack' };
  return result(true, 'granted', version, who.qrNonce === undefined ? extra : { ...extra, qrNonce: who.qrNonce });
}

/**
 * Who presents the credential. A signed QR token carries the member's QR key (a `qr-key`
 * credential); any other QR text is invalid (the contract has no static QR codes).
 */
function identify(credential: Credential, rights: RightsView, now: number, usedNonces: ReadonlySet<string>, trace: Trace): Identified {
  switch (credential.kind) {
    case 'badge':
      return stored('badge', rights.credential('badge', credential.number), now, trace);
    case 'pin':
      return stored('pin', rights.credential('pin', credential.pin), now, trace);
    case 'qr': {
      const unread = (problem: NonNullable<CredentialFacts['qr']>['problem'], expiresAt: number | null): CredentialFacts => ({
        kind: 'qr', credentialId: null, validFrom: null, validTo: null,
        qr: { keyId: envelopeKeyIdOf(credential.payload), expiresAt: trace.optionalInstant(expiresAt), problem },
      });
      if (!isQrToken(credential.payload)) return { ok: false, reason: 'qr-invalid', facts: unread('QR_NOT_A_TOKEN', null) };
      // Members' tokens are checked with member keys only: a box's ticket key signs tickets, nothing else.
      const token = verifyQrToken(credential.payload, (keyId) => usableKey(rights, keyId, now), now);
      if (!token.ok) {
        const expiry = token.error.code === 'QR_EXPIRED' ? (token.error.detail as { expiresAt: number }).expiresAt : null;
        return { ok: false, reason: token.error.code === 'QR_EXPIRED' ? 'qr-expired' : 'qr-invalid', facts: unread(token.error.code, expiry) };
      }
      const found = stored('qr', rights.credential('qr-key', token.value.memberId), now, trace);
      const replayed = found.ok && usedNonces.has(token.value.nonce);
      const facts: CredentialFacts = { ...found.facts, qr: { keyId: envelopeKeyIdOf(credential.payload), expiresAt: trace.instant(token.value.expiresAt), problem: replayed ? 'QR_REPLAYED' : null } };
      if (!found.ok) return { ...found, facts };
      if (replayed) return { ok: false, reason: 'qr-replayed', memberId: found.memberId, facts };
      return { ok: true, memberId: found.memberId, qrNonce: token.value.nonce, facts };
    }
  }
}

function usableKey(rights: RightsView, keyId: string, now: number) {
  const club = rights.qrKey(keyId);
  if (club === undefined || (club.record.use ?? 'member') !== 'member' || !within(now, club.record.validFrom, club.record.validTo)) return undefined;
  return club.key;
}

function stored(kind: CredentialFacts['kind'], credential: MemberCredential | undefined, now: number, trace: Trace): Identified {
  if (credential === undefined) return { ok: false, reason: 'unknown-credential', facts: { kind, credentialId: null, validFrom: null, validTo: null } };
  const facts: CredentialFacts = { kind, credentialId: credential.id, validFrom: trace.optionalInstant(credential.validFrom), validTo: trace.optionalInstant(credential.validTo) };
  if (!within(now, credential.validFrom, credential.validTo)) return { ok: false, reason: 'outside-validity', memberId: credential.memberId, facts };
  return { ok: true, memberId: credential.memberId, facts };
}

/** [from, to): null or absent ends are open. NaN bounds make it false (fail closed). */
function within(now: number, from: number | null | undefined, to: number | null | undefined): boolean {
  return (from == null || now >= from) && (to == null || now < to);
}

type Picked = { readonly ok: true; readonly right: AccessRight } | { readonly ok: false; readonly reason: DecisionReasonCode };

/**
 * The right to use: among those covering the zone and valid now, with visits and daily
 * quota left, a subscription before a pack (keep the visits), then the one ending first.
 * Traces every covering right with why it was or was not usable.
 */
function pickRight(memberId: string, zone: Zone, now: number, local: LocalTime, state: DecisionState, trace: Trace): Picked {
  const all = state.rights.rightsOf(memberId);
  const covering = all.filter((r) => r.zoneIds.includes(zone.id));
  const candidates: RightCandidate[] = [];
  const usable: AccessRight[] = [];
  for (const r of covering) {
    const visits = state.rights.visitsLeft(r);
    const entries = typeof r.maxEntriesPerDay === 'number' ? entriesToday(r, memberId, zone, local, state) : null;
    let status: RightStatus = 'usable';
    if (!within(now, r.validFrom, r.validTo)) status = now < r.validFrom ? 'not-yet-valid' : 'ended';
    else if (r.kind === 'pack' && !((visits ?? 0) > 0)) status = 'no-visits-left';
    else if (entries !== null && !(entries < (r.maxEntriesPerDay as number))) status = 'daily-quota-reached';
    if (status === 'usable') usable.push(r);
    candidates.push(rightCandidate(trace, r, status, visits, entries));
  }
  const best = usable.sort(preferred)[0];
  trace.add({ rule: 'right', outcome: best === undefined ? 'fail' : 'pass', facts: { chosen: best?.id ?? null, ...listed(candidates, best?.id ?? null), otherZones: all.length - covering.length } });
  if (covering.length === 0) return { ok: false, reason: 'no-access-right' };
  if (!candidates.some((c) => c.status !== 'not-yet-valid' && c.status !== 'ended')) return { ok: false, reason: 'outside-validity' };
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
