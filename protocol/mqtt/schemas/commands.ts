import Type from 'typebox';
import { CodedErrorSchema, Direction, EpochMs, Id, Nullable, ShortText, V } from './common.ts';
import { DiagnoseArgs } from './doctor.ts';

/** Who asked, when, and until when the command may still be carried out. */
const envelope = {
  v: V,
  commandId: Id,
  issuedAt: EpochMs,
  /** The box refuses (status "expired") a command it receives or would run after this. */
  expiresAt: EpochMs,
  operator: Type.String({ minLength: 1, maxLength: 120 }),
  ticket: Nullable(Type.String({ maxLength: 64 })),
};

const command = <K extends string, A extends Type.TProperties>(kind: K, args: A) =>
  Type.Object({ ...envelope, kind: Type.Literal(kind), args: Type.Object(args) });

export const OpenLaneCommand = command('open-lane', { laneId: Type.String({ minLength: 1, maxLength: 64 }), direction: Direction, reason: Type.String({ minLength: 1, maxLength: 200 }) });
export const RestartDeviceCommand = command('restart-device', { deviceId: Type.String({ minLength: 1, maxLength: 64 }) });
export const RestartAgentCommand = command('restart-agent', {});
export const FetchLogsCommand = command('fetch-logs', { lines: Type.Integer({ minimum: 1, maximum: 5000 }) });
export const PrintTestTicketCommand = command('print-test-ticket', {});
export const RunDiagnosticsCommand = command('run-diagnostics', {});
export const SetLockdownCommand = command('set-lockdown', { on: Type.Boolean(), reason: Type.String({ minLength: 1, maxLength: 200 }) });
/** The box doctor: a self-test now (devices polled, journal, disk, clock, broker, rights, backlog); output is a DoctorReport. */
export const DiagnoseCommand = command('diagnose', DiagnoseArgs);

/** `commands`, QoS 1, fleet -> box, not retained. Answered on `commands/result`. */
export const CommandMessage = Type.Union([
  OpenLaneCommand,
  RestartDeviceCommand,
  RestartAgentCommand,
  FetchLogsCommand,
  PrintTestTicketCommand,
  RunDiagnosticsCommand,
  SetLockdownCommand,
  DiagnoseCommand,
]);
export type CommandMessage = Type.Static<typeof CommandMessage>;
export type CommandKind = CommandMessage['kind'];
export const COMMAND_KINDS = ['open-lane', 'restart-device', 'restart-agent', 'fetch-logs', 'print-test-ticket', 'run-diagnostics', 'set-lockdown', 'diagnose'] as const satisfies readonly CommandKind[];

export const COMMAND_STATUSES = ['succeeded', 'failed', 'expired', 'rejected'] as const;

/** `commands/result`, QoS 1, box -> fleet. One per command; "rejected" = invalid or not allowed here. */
export const CommandResultMessage = Type.Object({
  v: V,
  commandId: Id,
  status: Type.Enum(COMMAND_STATUSES),
  ts: EpochMs,
  message: Nullable(ShortText),
  output: Type.Optional(Type.Unknown()),
  error: Nullable(CodedErrorSchema),
});
export type CommandResultMessage = Type.Static<typeof CommandResultMessage>;
