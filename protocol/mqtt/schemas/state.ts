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
});
export type StateMessage = Type.Static<typeof StateMessage>;
