import { verifyTicketToken } from '../../protocol/access/ticket-token.ts';
import { REASON_LABELS_FR } from '../../protocol/access/reasons.ts';
import type { DecisionReasonCode } from '../../protocol/access/reasons.ts';
import { isZoneOpen } from './opening.ts';
import type { Decision, DecisionState, LaneContext } from './types.ts';

/**
 * A printed ticket (day or guest pass) at a lane: pure, like decide(). The ticket is its own
 * right: its signature (a ticket key of the club's rights, or this box's own key), its
 * validity, its zones, used once. Exits are granted (and do not use it up). Then the
 * offline policy, zone opening and capacity apply as they do to members.
 */
export function decideTicket(text: string, lane: LaneContext, now: number, state: DecisionState): Decision {
  const version = state.rights.version;
  const verified = verifyTicketToken(text, (keyId) => ticketKey(state, keyId, now), now);
  if (!verified.ok) return refuse(verified.error.code === 'QR_EXPIRED' ? 'qr-expired' : verified.error.code === 'QR_NOT_YET_VALID' ? 'outside-validity' : 'qr-invalid', version);
  const ticket = { id: verified.value.nonce, kind: verified.value.kind };
  if (lane.direction === 'out') return { granted: true, reason: 'granted', message: REASON_LABELS_FR.granted, rightsVersion: version, ticket };
  if (state.rightsExpired === 'deny-all') return refuse('rights-expired', version);
  if (state.usedQrNonces.has(ticket.id)) return refuse('qr-replayed', version);
  if (!verified.value.zoneIds.includes(lane.zoneId)) return refuse('no-access-right', version);
  const zone = state.rights.zone(lane.zoneId);
  if (zone === undefined || !isZoneOpen(zone, now)) return refuse('zone-closed', version);
  if (typeof zone.capacity === 'number' && !((state.occupancy.get(zone.id) ?? 0) < zone.capacity)) return refuse('capacity-reached', version);
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
