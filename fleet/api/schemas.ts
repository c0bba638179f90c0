import Type from 'typebox';
import { BoxId, Id } from '../../protocol/mqtt/index.ts';
import { ErrorBody } from './errors.ts';

/** Schemas shared by several routes. Message shapes of the MQTT contract are reused as they are. */

export { BoxId, Id };

export const ClubId = Id;
export const Tag = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,39}$', description: 'lower-case tag, e.g. "pilot" or "north"' });
export const Ticket = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:#/-]{0,63}$', description: 'support ticket reference (or the X-Ticket header)' });
export const EpochMs = Type.Integer({ minimum: 0, description: 'Unix time in milliseconds' });
export const Limit = (max: number, dflt: number) => Type.Integer({ minimum: 1, maximum: max, default: dflt });
export const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const AnyJson = Type.Unknown();

/** The error responses a route can give, for the OpenAPI document. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorBody> {
  const out: Record<number, typeof ErrorBody> = {};
  for (const s of [400, 401, 403, ...statuses]) out[s] = ErrorBody;
  return out;
}

export const BoxStatus = Type.Enum(['pending', 'active', 'revoked'] as const);

export const BoxSummary = Type.Object({
  id: Type.String(),
  clubId: Nullable(Type.String()),
  name: Type.String(),
  status: BoxStatus,
  tags: Type.Array(Type.String()),
  agentVersion: Nullable(Type.String()),
  hardware: Nullable(Type.String({ description: "the hardware model the box's running release was built for (its state message)" })),
  previousVersion: Nullable(Type.String({ description: 'the release the box keeps to roll back to' })),
  online: Type.Boolean(),
  lastSeenAt: Nullable(EpochMs),
  rightsVersion: Nullable(Type.Integer()),
  createdAt: EpochMs,
  revokedAt: Nullable(EpochMs),
});

export const DeviceStatus = Type.Object({
  deviceId: Type.String(),
  kind: Type.String(),
  status: Type.String(),
  detail: AnyJson,
  statusSince: EpochMs,
  updatedAt: EpochMs,
});

export const BoxDetail = Type.Object({
  ...BoxSummary.properties,
  devices: Type.Array(DeviceStatus),
  latestHealth: AnyJson,
  lastState: AnyJson,
  reportedConfig: Nullable(Type.Object({ report: AnyJson, receivedAt: EpochMs }, { description: "the box's latest config/reported message and when it was received" })),
});

export const IssuedCode = Type.Object({
  code: Type.String({ description: 'single-use enrollment code, shown once' }),
  expiresAt: EpochMs,
});

export const EnrollmentView = Type.Object({
  id: Type.String(),
  boxId: Type.String(),
  clubId: Type.String(),
  codeKind: Type.Enum(['box', 'club'] as const),
  hardware: AnyJson,
  agentVersion: Type.String(),
  status: Type.Enum(['pending', 'accepted', 'rejected', 'delivered'] as const),
  sourceIp: Nullable(Type.String()),
  createdAt: EpochMs,
  decidedAt: Nullable(EpochMs),
  decidedBy: Nullable(Type.String()),
  deliveredAt: Nullable(EpochMs),
});

export const Club = Type.Object({
  id: Type.String(),
  name: Type.String(),
  timezone: Type.String(),
  openingHours: AnyJson,
  createdAt: EpochMs,
});

export const Role = Type.Enum(['viewer', 'technician', 'support', 'admin'] as const);
