import Type from 'typebox';
import { EpochMs, Id, Nullable, V } from './common.ts';

/**
 * `state`, retained, QoS 1. Published "online" right after connecting; the same topic
 * carries the last will ("offline", reason "last-will") that the broker publishes when
 * the box vanishes, and "offline"/"shutdown" on a clean stop.
 */
export const StateMessage = Type.Object({
  v: V,
  state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
  reason: Nullable(Type.Union([Type.Literal('connected'), Type.Literal('shutdown'), Type.Literal('last-will')])),
  agentVersion: Type.String({ maxLength: 64 }),
  /** The hardware model the running release was built for (its manifest); absent from agents run without the launcher. */
  hardware: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  /** The release kept to roll back to (null: none), under the launcher. */
  previousVersion: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  /** Changes at every agent start: tells a restart from a reconnect. */
  bootId: Id,
  ts: EpochMs,
  /**
   * The public half of the box's ticket signing key (Ed25519, raw 32 bytes base64url): the
   * fleet adds it to the club's rights as a `qrKeys` record with `use: "ticket"` so every box
   * of the club verifies the tickets this box prints. Optional: older agents print none.
   */
  ticketKey: Type.Optional(Type.Object({ keyId: Id, publicKey: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) })),
});
export type StateMessage = Type.Static<typeof StateMessage>;
