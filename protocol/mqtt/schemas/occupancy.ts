import Type from 'typebox';
import { BoxId, Direction, EpochMs, Nullable, Seq, V } from './common.ts';

/** A zone id as the rights and the box configuration name it. */
const ZoneId = Type.String({ minLength: 1, maxLength: 64 });

/**
 * On a Pass a person went through (the turnstile confirmed it: a passed credential, a
 * forced passage, a confirmed manual or emergency open): the zone entered or left, and the
 * printed ticket that went through, if any. Absent on every other row. The fleet relays
 * these to the club's other boxes (`occupancy/relay`), so occupancy is counted per club zone.
 */
export const PassagePart = Type.Object({
  zoneId: ZoneId,
  ticketId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
});

/**
 * One confirmed passage of another box of the club. Who: the member, the printed ticket, or
 * nobody (both absent: an anonymous manual entry or a forced passage). Identified by
 * (originBoxId, seq): a redelivered one counts once.
 */
export const RelayedPassage = Type.Object({
  seq: Seq,
  ts: EpochMs,
  zoneId: ZoneId,
  direction: Direction,
  memberId: Nullable(Type.String({ minLength: 1, maxLength: 64 })),
  ticketId: Nullable(Type.String({ minLength: 1, maxLength: 128 })),
});
export type RelayedPassage = Type.Static<typeof RelayedPassage>;

export const MAX_RELAYED_PER_MESSAGE = 500;

/**
 * `occupancy/relay`, QoS 1, fleet -> box: the confirmed passages of one pass batch of
 * another box of the same club, sent once that batch is committed (and again, from the
 * store, when the box comes online). The box counts them with its own, in passage time order.
 */
export const OccupancyRelayMessage = Type.Object({
  v: V,
  originBoxId: BoxId,
  passages: Type.Array(RelayedPassage, { minItems: 1, maxItems: MAX_RELAYED_PER_MESSAGE }),
});
export type OccupancyRelayMessage = Type.Static<typeof OccupancyRelayMessage>;
