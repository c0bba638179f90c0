import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { decode, type CommandMessage, type CommandResultMessage, type DoctorReport } from '../../protocol/mqtt/index.ts';
import { UplinkError } from './errors.ts';

/** What remote commands act on; the composition root binds it to the box. */
export interface CommandTarget {
  /** Opens a lane once, journaled as a manual pass with the operator and the note. */
  openLane(laneId: string, direction: 'in' | 'out', operator: string, note: string): Promise<{ seq: number }>;
  setLockdown(on: boolean, operator: string): void;
  restartDevice(deviceId: string): Promise<void>;
  /** Called after the result was handed to the connection. */
  restartAgent(): void;
  diagnostics(): Record<string, unknown>;
  fetchLogs?(lines: number): Promise<string[]>;
  /** Queues a test ticket as print job `jobId`; resolves with the printer's device id once queued. */
  printTestTicket?(jobId: string): Promise<{ printer: string }>;
  /** The box doctor (agent/box/doctor.ts): a self-test now. */
  diagnose?(request: { fleetRightsVersion: number | null; issuedAt: number }): Promise<DoctorReport>;
}

export interface CommandRunnerOptions {
  readonly target: CommandTarget;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sendResult: (m: CommandResultMessage) => void;
  /** How many answered command ids are remembered, so a redelivered command is not run twice. */
  readonly rememberIds?: number;
}

type Outcome = { status: CommandResultMessage['status']; message: string | null; output?: unknown; error: { code: string; message: string } | null };

/**
 * Runs the fleet's remote commands: decoded with the contract (an invalid one is answered
 * `rejected` when its id can be read), refused `expired` on arrival and again right before
 * acting if `expiresAt` has passed on the box's clock, executed once per command id (QoS 1
 * may deliver twice: the earlier result is sent again), and always answered.
 */
export class CommandRunner {
  private readonly answered = new Map<string, CommandResultMessage | 'running'>();

  constructor(private readonly o: CommandRunnerOptions) {}

  async onMessage(payload: Uint8Array): Promise<void> {
    const decoded = decode('command', payload);
    if (!decoded.ok) {
      const id = readCommandId(payload);
      this.o.logger.warn({ error: decoded.error, commandId: id }, 'UPLINK_MESSAGE_INVALID: command refused');
      if (id) this.finish(id, { status: 'rejected', message: decoded.error.message.slice(0, 500), error: { code: decoded.error.code, message: decoded.error.message.slice(0, 500) } });
      return;
    }
    const command = decoded.value;
    const seen = this.answered.get(command.commandId);
    if (seen === 'running') return;
    if (seen) {
      this.o.sendResult(seen);
      return;
    }
    if (this.expired(command)) return;
    this.answered.set(command.commandId, 'running');
    let outcome: Outcome;
    try {
      outcome = await this.run(command);
    } catch (e) {
      const code = e instanceof UplinkError ? e.code : 'UPLINK_COMMAND_FAILED';
      const message = ((e as Error)?.message ?? String(e)).slice(0, 500);
      outcome = { status: 'failed', message, error: { code, message } };
    }
    this.finish(command.commandId, outcome);
    if (command.kind === 'restart-agent' && outcome.status === 'succeeded') this.o.target.restartAgent();
  }

  /** Answers `expired` (and returns true) when the command may no longer be carried out. */
  private expired(command: CommandMessage): boolean {
    const now = this.o.clock.now();
    if (now <= command.expiresAt) return false;
    this.o.logger.warn({ commandId: command.commandId, kind: command.kind, expiresAt: command.expiresAt, now }, 'UPLINK_COMMAND_EXPIRED: command not carried out');
    const message = `expired at ${new Date(command.expiresAt).toISOString()}, box time ${new Date(now).toISOString()}`;
    this.finish(command.commandId, { status: 'expired', message, error: { code: 'UPLINK_COMMAND_EXPIRED', message } });
    return true;
  }

  private async run(command: CommandMessage): Promise<Outcome> {
    const { target } = this.o;
    const ok = (message: string, output?: unknown): Outcome => ({ status: 'succeeded', message, error: null, ...(output === undefined ? {} : { output }) });
    // Right before acting: the command may have waited behind another one.
    const expiredNow = (): Outcome | null => (this.o.clock.now() > command.expiresAt ? { status: 'expired', message: 'expired before it could be carried out', error: { code: 'UPLINK_COMMAND_EXPIRED', message: 'expired before it could be carried out' } } : null);
    const late = expiredNow();
    if (late) return late;
    this.o.logger.info({ commandId: command.commandId, kind: command.kind, operator: command.operator, ticket: command.ticket }, 'remote command');
    switch (command.kind) {
      case 'open-lane': {
        const ticket = command.ticket ? ` [ticket ${command.ticket}]` : '';
        const pass = await target.openLane(command.args.laneId, command.args.direction, command.operator, `${command.args.reason}${ticket} [remote ${command.commandId}]`);
        return ok(`lane ${command.args.laneId} opened, journaled as pass ${pass.seq}`, { seq: pass.seq });
      }
      case 'set-lockdown':
        target.setLockdown(command.args.on, command.operator);
        return ok(`lockdown ${command.args.on ? 'on' : 'off'}`);
      case 'restart-device':
        await target.restartDevice(command.args.deviceId);
        return ok(`device ${command.args.deviceId} restarted`);
      case 'restart-agent':
        return ok('agent restarting');
      case 'run-diagnostics':
        return ok('diagnostics', target.diagnostics());
      case 'fetch-logs':
        if (!target.fetchLogs) throw new UplinkError('UPLINK_COMMAND_UNSUPPORTED', 'this agent keeps no log buffer to fetch');
        return ok('logs', { lines: await target.fetchLogs(command.args.lines) });
      case 'diagnose': {
        if (!target.diagnose) throw new UplinkError('UPLINK_COMMAND_UNSUPPORTED', 'this agent has no doctor');
        const report = await target.diagnose({ fleetRightsVersion: command.args.fleetRightsVersion, issuedAt: command.issuedAt });
        const failed = report.checks.filter((c) => c.status === 'fail').length;
        const warned = report.checks.filter((c) => c.status === 'warn').length;
        return ok(`doctor: ${report.checks.length} checks, ${failed} failed, ${warned} warnings`, report);
      }
      case 'print-test-ticket': {
        if (!target.printTestTicket) throw new UplinkError('UPLINK_COMMAND_UNSUPPORTED', 'this agent has no printer binding');
        const jobId = `test-${command.commandId}`;
        const { printer } = await target.printTestTicket(jobId);
        return ok(`test ticket queued on printer ${printer}`, { jobId, printer });
      }
    }
  }

  private finish(commandId: string, outcome: Outcome): void {
    const result: CommandResultMessage = { v: 1, commandId, ts: this.o.clock.now(), ...outcome };
    this.answered.delete(commandId);
    this.answered.set(commandId, result);
    const limit = this.o.rememberIds ?? 1000;
    for (const id of this.answered.keys()) {
      if (this.answered.size <= limit) break;
      if (this.answered.get(id) !== 'running') this.answered.delete(id);
    }
    this.o.sendResult(result);
  }
}

function readCommandId(payload: Uint8Array): string | null {
  try {
    const id = (JSON.parse(Buffer.from(payload).toString('utf8')) as { commandId?: unknown }).commandId;
    return typeof id === 'string' && /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}
