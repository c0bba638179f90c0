import { verifyTicketToken } from '../../protocol/access/ticket-token.ts';
import { REASON_LABELS_FR } from '../../protocol/access/reasons.ts';
import type { DecisionReasonCode } from '../../protocol/access/reasons.ts';
import { envelopeKeyIdOf } from '../../protocol/access/signed-envelope.ts';
import type { Trace } from './explain.ts';
import { zoneFacts } from './explain.ts';
import { localTime } from './local-time.ts';
import { isZoneOpenAt } from './opening.ts';
import type { Decision, DecisionState, LaneContext } from './types.ts';

/**
 * A printed ticket (day or guest pass) at a lane: pure, like decide(). The ticket is its own
 * right: its signature (a ticket key of the club's rights, or this box's own key), its
 * validity, its zones, used once. Exits are granted (and do not use it up). Then the
 * offline policy, zone opening and capacity apply as they do to members.
 */
export function decideTicket(text: string, lane: LaneContext, now: number, state: DecisionState, trace: Trace): Decision {
  const version = state.rights.version;
  const zone = state.rights.zone(lane.zoneId);
  if (zone !== undefined) trace.zoneTimezone(zone.timezone);
  const verified = verifyTicketToken(text, (keyId) => ticketKey(state, keyId, now), now);
  const claims = verified.ok ? verified.value : undefined;
  trace.add({
    rule: 'credential',
    outcome: verified.ok ? 'pass' : 'fail',
    facts: {
      kind: 'qr',
      credentialId: null,
      validFrom: trace.optionalInstant(claims?.validFrom),
      validTo: trace.optionalInstant(claims?.validTo),
      qr: { keyId: envelopeKeyIdOf(text), expiresAt: trace.optionalInstant(claims?.validTo), problem: verified.ok ? null : verified.error.code },
    },
  });
  if (!verified.ok) return refuse(verified.error.code === 'QR_EXPIRED' ? 'qr-expired' : verified.error.code === 'QR_NOT_YET_VALID' ? 'outside-validity' : 'qr-invalid', version);
  const ticket = { id: verified.value.nonce, kind: verified.value.kind };
  if (lane.direction === 'out') {
    trace.add({ rule: 'exit', outcome: 'pass' });
    return { granted: true, reason: 'granted', message: REASON_LABELS_FR.granted, rightsVersion: version, ticket };
  }
  const expired = state.rightsExpired;
  trace.add({ rule: 'rights-fresh', outcome: expired === 'deny-all' ? 'fail' : 'pass', facts: { expired: expired !== undefined, policy: expired ?? null } });
  if (expired === 'deny-all') return refuse('rights-expired', version);
  const used = state.usedQrNonces.has(ticket.id);
  const coversZone = verified.value.zoneIds.includes(lane.zoneId);
  trace.add({ rule: 'ticket', outcome: used || !coversZone ? 'fail' : 'pass', facts: { id: ticket.id, kind: ticket.kind, zoneIds: verified.value.zoneIds, used, coversZone } });
  if (used) return refuse('qr-replayed', version);
  if (!coversZone) return refuse('no-access-right', version);
  const local = zone === undefined ? undefined : localTime(now, zone.timezone);
  const open = zone !== undefined && local !== undefined && isZoneOpenAt(zone, local);
  trace.add({ rule: 'zone-open', outcome: open ? 'pass' : 'fail', facts: zoneFacts(trace, lane.zoneId, zone, local, open, now) });
  if (zone === undefined || !open) return refuse('zone-closed', version);
  if (typeof zone.capacity === 'number') {
    const occupancy = state.occupancy.get(zone.id) ?? 0;
    const full = !(occupancy < zone.capacity);
    trace.add({ rule: 'capacity', outcome: full ? 'fail' : 'pass', facts: { occupancy, capacity: zone.capacity } });
    if (full) return refuse('capacity-reached', version);
  } else trace.add({ rule: 'capacity', outcome: 'skip' });
  return { granted: true, reason: 'granted', message: REASON_LABELS_FR.granted, rightsVersion: version, ticket, qrNonce: ticket.id };
}

/** A key of `use: ticket` in the rights, valid now, or one of this box's own ticket keys. */
function ticketKey(state: DecisionState, keyId: string, now: number) {
  const own = state.ownTicketKeys?.get(keyId);
  if (own !== undefined) return own;
  const club = state.rights.qrKey(keyId);
  if (club === undefined || club.record.use !== 'ticket') return undefined;
  const { validFrom, validTo } = club.record;
  return (validFrom == null || now >= validFrom) && (validTo == null || now < validTo) ? club.key : undefined;
}

function refuse(reason: DecisionReasonCode, rightsVersion: number): Decision {
  return { granted: false, reason, message: REASON_LABELS_FR[reason], rightsVersion };
}
