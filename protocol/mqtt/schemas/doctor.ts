import Type from 'typebox';
import { EpochMs, Nullable, NonNegInt, ShortText, V } from './common.ts';

/**
 * The box doctor's report: the output of a `diagnose` command (docs/mqtt-contract.md, "Box
 * doctor"). Each check says what was tested now, how long it took, its outcome and the
 * facts behind it; the fleet adds the likely cause and the next step in plain words.
 */
export const DOCTOR_CHECK_KINDS = ['reader', 'turnstile', 'printer', 'journal', 'disk', 'clock', 'broker', 'rights', 'backlog'] as const;
export type DoctorCheckKind = (typeof DOCTOR_CHECK_KINDS)[number];
export const DOCTOR_STATUSES = ['ok', 'warn', 'fail'] as const;
export type DoctorStatus = (typeof DOCTOR_STATUSES)[number];

export const DoctorCheck = Type.Object({
  kind: Type.Enum(DOCTOR_CHECK_KINDS),
  /** The device id for device checks; null for the box's own checks. */
  subject: Nullable(Type.String({ maxLength: 64 })),
  status: Type.Enum(DOCTOR_STATUSES),
  /** How long the check took on the box. */
  durationMs: Type.Number({ minimum: 0 }),
  /** A stable code for anything not ok (a driver's, e.g. PRINTER_NO_REPLY, or DOCTOR_*). */
  code: Nullable(Type.String({ maxLength: 64 })),
  message: ShortText,
  /** Numbers and short facts (free bytes, offset ms, versions, how the device was checked). */
  facts: Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.String({ maxLength: 200 }), Type.Number(), Type.Boolean(), Type.Null()])),
});
export type DoctorCheck = Type.Static<typeof DoctorCheck>;

export const DoctorReport = Type.Object({
  v: V,
  startedAt: EpochMs,
  durationMs: Type.Number({ minimum: 0 }),
  checks: Type.Array(DoctorCheck, { maxItems: 64 }),
  /** The configuration the agent runs, secrets removed (for the escalation bundle). */
  config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type DoctorReport = Type.Static<typeof DoctorReport>;

/** `diagnose` arguments: the fleet tells the box the club's rights version, to compare with its own. */
export const DiagnoseArgs = {
  fleetRightsVersion: Nullable(NonNegInt),
};
