import Type from 'typebox';
import { CodedErrorSchema, EpochMs, Id, Nullable, V } from './common.ts';

const Version = Type.String({ pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+([-+][0-9A-Za-z.-]+)?$', maxLength: 64 });

/**
 * `update/job`, QoS 1, retained, fleet -> box. The retained job is the box's desired
 * update; "abort" replaces it. The bundle is found through the TUF repository at
 * `repositoryUrl` under `targetName`; trust comes from TUF metadata, never from this message.
 */
export const UpdateJobMessage = Type.Object({
  v: V,
  jobId: Id,
  rolloutId: Id,
  action: Type.Enum(['install', 'abort'] as const),
  version: Version,
  channel: Type.String({ minLength: 1, maxLength: 32 }),
  hardware: Type.String({ minLength: 1, maxLength: 64 }),
  repositoryUrl: Type.String({ minLength: 1, maxLength: 500 }),
  targetName: Type.String({ minLength: 1, maxLength: 200 }),
  /** Download now, install only when told (a later job with downloadOnly false). */
  downloadOnly: Type.Boolean(),
  /** Install only inside the club's maintenance window: after `notBefore`, and when no pass happened for `idleMinutes`. */
  installWindow: Nullable(Type.Object({ notBefore: Nullable(EpochMs), idleMinutes: Nullable(Type.Integer({ minimum: 1 })) })),
  issuedAt: EpochMs,
  expiresAt: EpochMs,
});
export type UpdateJobMessage = Type.Static<typeof UpdateJobMessage>;

/** The box's update machine states (agent/update/machine.ts), each reported once entered. */
export const UPDATE_STATES = [
  'queued',
  'downloading',
  'verifying',
  'staged',
  'waiting-window',
  'installing',
  'restarting',
  'trial',
  'committed',
  'rolled-back',
  'failed',
  'aborted',
] as const;
export type UpdateState = (typeof UPDATE_STATES)[number];

/** `update/status`, QoS 1, box -> fleet: every state the box's update machine enters. */
export const UpdateStatusMessage = Type.Object({
  v: V,
  jobId: Id,
  rolloutId: Id,
  state: Type.Enum(UPDATE_STATES),
  fromVersion: Version,
  toVersion: Version,
  progress: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
  error: Nullable(CodedErrorSchema),
  ts: EpochMs,
});
export type UpdateStatusMessage = Type.Static<typeof UpdateStatusMessage>;
