import { Compile } from 'typebox/compile';
import type { Clock } from '../../platform/clock.ts';
import { DoctorReport, type DoctorCheck } from '../../protocol/mqtt/index.ts';
import { apiError } from '../api/errors.ts';
import type { CommandCenter, ShownCommand } from '../commands/command-center.ts';
import type { BoxDirectory } from '../store/box-directory.ts';
import { sendAndWait } from './command-wait.ts';
import { adviceFor, type Advice } from './doctor-advice.ts';

const validReport = Compile(DoctorReport);

/** How long the box has to answer (its own device timeout is 3 s; the broker and a busy box add to it). */
export const DOCTOR_ANSWER_MS = 20_000;

export interface DoctorDeps {
  readonly commands: CommandCenter;
  readonly boxes: BoxDirectory;
  readonly clubRightsVersion: (clubId: string) => Promise<number | null>;
  readonly clock: Clock;
  readonly answerMs?: number;
}

export type DoctorLine = DoctorCheck & { readonly advice: Advice | null };

/** A doctor run as support reads it: every line, the failed ones with their likely cause and next step. */
export interface DoctorView {
  readonly commandId: string;
  readonly boxId: string;
  readonly status: ShownCommand['status'];
  readonly requestedAt: number;
  readonly operator: string;
  readonly ticket: string | null;
  /** null when the box did not answer, failed, or sent an unreadable report (see `problem`). */
  readonly report: { readonly startedAt: number; readonly durationMs: number; readonly lines: DoctorLine[]; readonly config: Record<string, unknown> | null } | null;
  readonly counts: { readonly ok: number; readonly warn: number; readonly fail: number };
  readonly problem: string | null;
}

/**
 * The box doctor from the fleet's side: sends `diagnose` (with the club's rights version) to
 * a connected box and waits for its report, at most `answerMs`. An offline box is refused at
 * once (BOX_OFFLINE): the command would only wait in the broker and expire.
 */
export class DoctorService {
  constructor(private readonly d: DoctorDeps) {}

  async run(boxId: string, operator: string, ticket: string | null): Promise<DoctorView> {
    const box = await this.d.boxes.get(boxId);
    if (!box) throw apiError('BOX_NOT_FOUND');
    if (box.status === 'active' && !box.online) {
      const seen = box.lastSeenAt === null ? 'never seen' : `last seen ${new Date(box.lastSeenAt).toISOString()}`;
      throw apiError('BOX_OFFLINE', `box ${boxId} is offline (${seen}): the doctor needs it connected. Check the club's power and network; the timeline shows what it last reported.`);
    }
    const answerMs = this.d.answerMs ?? DOCTOR_ANSWER_MS;
    const fleetRightsVersion = box.clubId === null ? null : await this.d.clubRightsVersion(box.clubId);
    const done = await sendAndWait(this.d, boxId, { kind: 'diagnose', args: { fleetRightsVersion } }, answerMs, operator, ticket);
    const view = viewOf(done);
    if (done.status === 'pending') throw apiError('DOCTOR_NO_ANSWER', `box ${boxId} did not answer the doctor within ${answerMs / 1000} s (command ${done.id}): it may have just gone offline`, { commandId: done.id });
    return view;
  }

  /** The latest doctor run of a box, answered or not; undefined if none. */
  async latest(boxId: string): Promise<DoctorView | undefined> {
    if (!(await this.d.boxes.get(boxId))) throw apiError('BOX_NOT_FOUND');
    const last = (await this.d.commands.list({ boxId, limit: 200 })).find((c) => c.kind === 'diagnose');
    return last === undefined ? undefined : viewOf(last);
  }
}

/** The doctor view of a `diagnose` command and its result. */
export function viewOf(cmd: ShownCommand): DoctorView {
  const base = { commandId: cmd.id, boxId: cmd.boxId, status: cmd.status, requestedAt: cmd.createdAt, operator: cmd.operator, ticket: cmd.ticket };
  const result = cmd.result as { output?: unknown; error?: { code?: string; message?: string } | null; message?: string | null } | null;
  const none = { ok: 0, warn: 0, fail: 0 };
  if (cmd.status !== 'succeeded') {
    const why = result?.error ? `${result.error.message ?? ''} (${result.error.code ?? 'error'})` : cmd.status === 'pending' ? 'waiting for the box' : `the command ${cmd.status}`;
    return { ...base, report: null, counts: none, problem: why };
  }
  const output = result?.output;
  if (!validReport.Check(output)) return { ...base, report: null, counts: none, problem: 'the box answered with a report this fleet cannot read (DOCTOR_REPORT_INVALID)' };
  const lines = output.checks.map((c) => ({ ...c, advice: adviceFor(c) ?? null }));
  const count = (s: DoctorCheck['status']) => lines.filter((l) => l.status === s).length;
  const firstFail = lines.find((l) => l.status === 'fail');
  return {
    ...base,
    report: { startedAt: output.startedAt, durationMs: output.durationMs, lines, config: output.config ?? null },
    counts: { ok: count('ok'), warn: count('warn'), fail: count('fail') },
    problem: firstFail ? `${firstFail.subject ?? firstFail.kind}: ${firstFail.message}` : null,
  };
}
