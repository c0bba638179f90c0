import Type from 'typebox';
import { EpochMs, Id, ShortText, V } from './common.ts';

/** Event kinds the fleet knows how to alert on; others are stored and shown as they are. */
export const EVENT_KINDS = [
  'agent.started',
  'agent.stopping',
  'device.online',
  'device.offline',
  'device.degraded',
  'printer.paper-near-end',
  'printer.paper-end',
  'printer.cover-open',
  'printer.ok',
  'turnstile.forced-passage',
  'turnstile.fire-alarm',
  'turnstile.fire-alarm-cleared',
  'lane.out-of-service',
  'lane.in-service',
  'lane.lockdown',
  'journal.backlog-high',
  'journal.disk-bound',
  'rights.resync-requested',
  'update.rolled-back',
  'doctor.ran',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** `events`, QoS 1, not retained. `eventId` makes redelivery harmless. */
export const EventMessage = Type.Object({
  v: V,
  eventId: Id,
  ts: EpochMs,
  kind: Type.String({ pattern: '^[a-z]+(\\.[a-z0-9-]+)+$', maxLength: 64 }),
  severity: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]),
  deviceId: Type.Optional(Type.String({ maxLength: 64 })),
  laneId: Type.Optional(Type.String({ maxLength: 64 })),
  message: ShortText,
  data: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown())),
});
export type EventMessage = Type.Static<typeof EventMessage>;
