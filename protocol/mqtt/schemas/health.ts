import Type from 'typebox';
import { EpochMs, Nullable, NonNegInt, V } from './common.ts';

export const DeviceHealth = Type.Object({
  deviceId: Type.String({ minLength: 1, maxLength: 64 }),
  kind: Type.Union([Type.Literal('reader'), Type.Literal('turnstile'), Type.Literal('printer')]),
  state: Type.Union([Type.Literal('starting'), Type.Literal('online'), Type.Literal('degraded'), Type.Literal('offline')]),
  since: EpochMs,
  lastError: Type.Optional(Type.Object({ code: Type.String({ maxLength: 80 }), message: Type.String({ maxLength: 500 }), at: EpochMs })),
  detail: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Nullable(Type.Union([Type.String({ maxLength: 200 }), Type.Number(), Type.Boolean()])))),
});
export type DeviceHealth = Type.Static<typeof DeviceHealth>;

export const LaneHealth = Type.Object({
  laneId: Type.String({ minLength: 1, maxLength: 64 }),
  state: Type.String({ maxLength: 32 }),
  occupancy: Nullable(NonNegInt),
});

/** `health`, QoS 0, not retained, every N seconds (default 30). */
export const HealthMessage = Type.Object({
  v: V,
  ts: EpochMs,
  agentVersion: Type.String({ maxLength: 64 }),
  uptimeS: Type.Number({ minimum: 0 }),
  cpu: Type.Object({ load1: Type.Number({ minimum: 0 }), usagePct: Nullable(Type.Number({ minimum: 0, maximum: 100 })) }),
  memory: Type.Object({ rssBytes: NonNegInt, totalBytes: NonNegInt, freeBytes: NonNegInt }),
  disk: Type.Object({ totalBytes: NonNegInt, freeBytes: NonNegInt }),
  temperatureC: Nullable(Type.Number()),
  /** Box clock minus fleet clock, from the last command/ack timestamps; null when unknown. */
  clockOffsetMs: Nullable(Type.Number()),
  rights: Type.Object({ version: NonNegInt, ageS: Nullable(Type.Number({ minimum: 0 })) }),
  journal: Type.Object({ lastSeq: NonNegInt, backlog: NonNegInt, oldestUnsentTs: Nullable(EpochMs) }),
  devices: Type.Array(DeviceHealth, { maxItems: 64 }),
  lanes: Type.Array(LaneHealth, { maxItems: 32 }),
});
export type HealthMessage = Type.Static<typeof HealthMessage>;
