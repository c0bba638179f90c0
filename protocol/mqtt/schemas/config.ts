import Type from 'typebox';
import { CodedErrorSchema, EpochMs, NonNegInt, Nullable, V } from './common.ts';

/**
 * `config/desired`, QoS 1, retained, fleet -> box: the whole box configuration (the same
 * schema as the box's YAML file, as JSON) support wants the box to run, with a version
 * that only grows. The box validates it as `resabox-agent --check` does.
 */
export const ConfigDesiredMessage = Type.Object({
  v: V,
  version: Type.Integer({ minimum: 1 }),
  issuedAt: EpochMs,
  config: Type.Record(Type.String({ maxLength: 64 }), Type.Unknown()),
  /** The support ticket of the change (the fleet audits it). */
  ticket: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
});
export type ConfigDesiredMessage = Type.Static<typeof ConfigDesiredMessage>;

/**
 * `config/reported`, QoS 1, retained, box -> fleet: what the box did with a desired
 * version. `applied`: it runs it (version 0: its own file, never changed remotely);
 * `trial`: it restarted with it and waits for the changed devices to come up; `rejected`:
 * invalid (`errors` name the fields, as --check does) or not allowed; `rolled-back`: a
 * changed device did not come up in time, the previous configuration runs again.
 */
export const ConfigReportedMessage = Type.Object({
  v: V,
  version: NonNegInt,
  appliedAt: EpochMs,
  status: Type.Enum(['applied', 'rejected', 'trial', 'rolled-back'] as const),
  errors: Type.Array(Type.Object({ path: Type.String({ maxLength: 200 }), message: Type.String({ maxLength: 300 }) }), { maxItems: 50 }),
  /** Why it was rejected or rolled back, coded (agent/remote-config/errors.ts). */
  error: Type.Optional(Nullable(CodedErrorSchema)),
  /** The version the box runs now (after a rejection or a rollback, the earlier one). */
  runningVersion: Type.Optional(NonNegInt),
  /** The configuration the box runs now, for the fleet's desired/reported diff. */
  config: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown())),
  /** What was restarted to apply it (`agent`: the agent, through the launcher). */
  restarted: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
});
export type ConfigReportedMessage = Type.Static<typeof ConfigReportedMessage>;
