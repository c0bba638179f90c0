import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { decodeFromTopic, encode, fleetSubscription, topicFor, type UpdateJobMessage, type UpdateStatusMessage } from '../../protocol/mqtt/index.ts';
import { apiError } from '../api/errors.ts';
import type { BusMessage, FleetBus } from '../bus/bus.ts';
import { localStepLock, type StepLock } from '../cluster/leadership.ts';
import type { AuditTrail } from '../store/audit-trail.ts';
import type { BoxDirectory } from '../store/box-directory.ts';
import { nextRolloutState, STATUS_EVENT, stepBox, type OperatorAction, type RolloutEvent } from './machine.ts';
import { parseOpeningHours } from './opening-hours.ts';
import { assignWaves, lateJoinerWave, plan, resumeHalted, waveCountOf, type PlanBox, type PlanClub, type PlannedJob } from './planner.ts';
import type { RolloutBoxRow, RolloutRow, RolloutStore, RolloutTarget } from './rollout-store.ts';

export interface RolloutEngineDeps {
  store: RolloutStore;
  boxes: BoxDirectory;
  audit: AuditTrail;
  bus: FleetBus;
  clock: Clock;
  logger: Logger;
  /** Where boxes find the TUF repository (`update/job` repositoryUrl); read when a job is published. */
  repositoryUrl: () => string;
  tickMs?: number;
  /** A retained job not started by then is dropped by the box (default 7 days). */
  jobTtlMs?: number;
  notices?: RolloutNotices;
  /** Several fleet instances: a step runs only while no other instance runs one (cluster/leadership.ts). */
  lock?: StepLock;
}

export interface RolloutSpec {
  name: string;
  version: string;
  targetName: string;
  channel: string;
  hardware: string;
  target: RolloutTarget;
  canary: number;
  percents: number[];
  successThresholdPct: number;
  errorThresholdPct: number;
  maxAttempts: number;
  jobTimeoutMs: number;
  prefetch: boolean;
  maintenance: { outsideOpeningHours: boolean; idleMinutes: number | null };
}

export type { OperatorAction } from './machine.ts';

/**
 * What the rest of the fleet hears of a rollout: a halt opens an alert (through the
 * AlertEngine, so it is notified like any alert), a resume or cancel closes it, a
 * completion leaves an event on every box that took the release (fleet/rollouts/notices.ts).
 */
export interface RolloutNotices {
  halted(r: RolloutRow, reason: string, boxes: readonly RolloutBoxRow[]): Promise<void> | void;
  completed(r: RolloutRow, boxes: readonly RolloutBoxRow[]): Promise<void> | void;
  /** Support resumed, retried or cancelled: the halt is over. */
  settled(r: RolloutRow): Promise<void> | void;
}

/**
 * Drives rollouts: keeps each rollout's boxes in the store, runs the pure planner on a
 * tick and after every `update/status` report, persists what the plan changes and only
 * then publishes the retained `update/job` of each box. Everything runs one step at a
 * time (a promise chain), so a report and a tick never interleave.
 */
export class RolloutEngine {
  private chain: Promise<unknown> = Promise.resolve();
  private timer: TimerHandle | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly d: RolloutEngineDeps) {}

  async start(): Promise<void> {
    await this.listen();
    this.startClock();
  }

  /** Handles the boxes' `update/status` reports (every instance, each report reaching one). */
  async listen(): Promise<void> {
    this.unsubscribe = await this.d.bus.subscribe(fleetSubscription('updateStatus'), (m) => this.serial(() => this.onStatus(m)));
  }

  /** The periodic planning round: one instance at a time (a singleton job). */
  startClock(): void {
    this.timer ??= this.d.clock.setInterval(() => void this.tick(), this.d.tickMs ?? 15_000);
  }

  stopClock(): void {
    this.d.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  async stop(): Promise<void> {
    this.stopClock();
    await this.unsubscribe?.();
    await this.chain;
  }

  /** Plans every live rollout once; also what the interval runs. */
  tick(): Promise<void> {
    return this.serial(async () => {
      for (const r of await this.d.store.live()) await this.drive(r.id);
    });
  }

  /** A new rollout in draft, its boxes already placed in waves. */
  async create(spec: RolloutSpec, actor: string, ticket: string | null): Promise<RolloutRow> {
    if (!(await this.d.store.getArtifact(spec.targetName))) throw apiError('ARTIFACT_NOT_FOUND', `no uploaded artifact named ${spec.targetName}`);
    const p = spec.percents;
    if (p.length === 0 || p[p.length - 1] !== 100 || p.some((x, i) => i > 0 && x <= (p[i - 1] as number))) {
      throw apiError('ROLLOUT_WAVES_INVALID', 'wave percentages must increase strictly and end at 100');
    }
    const boxIds = await this.d.store.resolveTarget(spec.target);
    if (boxIds.length === 0) throw apiError('ROLLOUT_TARGET_EMPTY');
    const now = this.d.clock.now();
    const id = `ro-${randomBytes(8).toString('hex')}`;
    const row: RolloutRow = { ...spec, id, state: 'draft', currentWave: 0, haltReason: null, createdBy: actor, ticket, createdAt: now, updatedAt: now, startedAt: null, finishedAt: null };
    const waves = assignWaves(id, boxIds, spec);
    await this.d.store.insertRollout(row, boxIds.map((boxId) => ({ boxId, wave: waves.get(boxId) as number })));
    return (await this.d.store.get(id)) as RolloutRow;
  }

  /** start, pause, resume or cancel, as the operator asks; refused when the table says so. */
  act(id: string, action: OperatorAction): Promise<RolloutRow> {
    return this.serial(async () => {
      const r = await this.d.store.get(id);
      if (!r) throw apiError('ROLLOUT_NOT_FOUND');
      const next = nextRolloutState(r.state, action);
      if (next === null) throw apiError('ROLLOUT_STATE_CONFLICT', `a ${r.state} rollout cannot ${action}`);
      if (action === 'start') {
        const busy = await this.d.store.busyElsewhere(id, (await this.d.store.boxes(id)).map((b) => b.boxId));
        if (busy.length > 0) throw apiError('ROLLOUT_TARGET_BUSY', undefined, { boxes: busy.slice(0, 50) });
      }
      const now = this.d.clock.now();
      if (action === 'retry-failed') {
        // Only the boxes that failed or rolled back, one more attempt each (a new job id: a box never re-runs a job it finished).
        const failed = (await this.d.store.boxes(id)).filter((b) => stepBox(b.state, 'retry', b.attempts, r.maxAttempts).kind === 'to');
        if (failed.length === 0) throw apiError('ROLLOUT_STATE_CONFLICT', 'no box of this rollout failed or rolled back');
        for (const b of failed) await this.d.store.updateBox(id, b.boxId, { state: 'pending', abortSent: false }, now);
      }
      if (action === 'resume' && r.state === 'halted') {
        for (const c of resumeHalted(await this.planBoxes(await this.d.store.boxes(id)), r.maxAttempts)) await this.d.store.updateBox(id, c.boxId, { state: c.state, attempts: c.attempts, abortSent: false }, now);
      }
      await this.d.store.setState(id, next, now);
      if (r.state === 'halted' && next !== 'halted') await this.d.notices?.settled({ ...r, state: next });
      await this.drive(id);
      return (await this.d.store.get(id)) as RolloutRow;
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const lock = this.d.lock ?? localStepLock;
    const run = this.chain.then(() => lock.run(fn));
    this.chain = run.catch((e: unknown) => this.d.logger.error({ err: e }, 'rollout engine step failed'));
    return run;
  }

  private async onStatus(m: BusMessage): Promise<void> {
    const decoded = decodeFromTopic(m.topic, m.payload);
    if (!decoded.ok || decoded.value.kind !== 'updateStatus') {
      if (!decoded.ok) this.d.logger.warn({ code: decoded.error.code, topic: m.topic }, 'update status refused');
      return;
    }
    const boxId = decoded.value.boxId;
    const s = decoded.value.message as UpdateStatusMessage;
    const row = await this.d.store.box(s.rolloutId, boxId);
    // A report of an older job (a previous attempt, a replaced prefetch) changes nothing,
    // except a commit: the box runs the new version whichever attempt got it there.
    const earlierAttemptCommitted = s.state === 'committed' && s.jobId.startsWith(`${s.rolloutId}.${boxId}.a`);
    if (!row || row.jobId === null || (s.jobId !== row.jobId && !earlierAttemptCommitted)) return;
    const r = (await this.d.store.get(s.rolloutId)) as RolloutRow;
    const now = this.d.clock.now();
    const step = stepBox(row.state, STATUS_EVENT[s.state], row.attempts, r.maxAttempts);
    if (step.kind === 'bug') this.d.logger.error({ rolloutId: r.id, boxId, state: row.state, status: s.state }, 'rollout box table has no such transition');
    const error = s.error ?? (s.state === 'rolled-back' ? { code: 'UPDATE_ROLLED_BACK', message: 'the box rolled back' } : undefined);
    await this.d.store.updateBox(r.id, boxId, { updateState: s.state, ...(step.kind === 'to' ? { state: step.state, attempts: step.attempts } : {}), ...(error ? { lastError: error } : {}) }, now);
    if (step.kind === 'to' && step.state === 'pending') this.d.logger.info({ rolloutId: r.id, boxId, attempts: row.attempts }, 'update failed on the box, retrying');
    await this.drive(r.id);
  }

  /** One planning round for a rollout: late joiners, plan, persist, then publish. */
  private async drive(id: string): Promise<void> {
    const r = await this.d.store.get(id);
    if (!r) return;
    const now = this.d.clock.now();
    if (r.state === 'running' || r.state === 'paused') await this.addLateJoiners(r, now);
    const rows = await this.d.store.boxes(id);
    const clubs = new Map<string, PlanClub>();
    for (const row of rows) {
      if (row.clubId === null || clubs.has(row.clubId)) continue;
      const club = await this.d.boxes.getClub(row.clubId);
      if (club) clubs.set(row.clubId, { timezone: club.timezone, hours: parseOpeningHours(club.openingHours) });
    }
    const p = plan({ now, rollout: { ...r, waveCount: waveCountOf(r) }, boxes: await this.planBoxes(rows), clubs });
    for (const c of p.boxChanges) await this.d.store.updateBox(id, c.boxId, { state: c.state, attempts: c.attempts }, now);
    if (p.currentWave !== r.currentWave) {
      await this.d.store.setCurrentWave(id, p.currentWave, now);
      this.d.logger.info({ rolloutId: id, wave: p.currentWave }, 'rollout wave opened');
    }
    if (p.rolloutEvent) await this.finish(r, p.rolloutEvent, now);
    for (const job of p.jobs) await this.publish(r, job, now);
  }

  private async finish(r: RolloutRow, event: RolloutEvent, now: number): Promise<void> {
    const next = nextRolloutState(r.state, event) as NonNullable<ReturnType<typeof nextRolloutState>>;
    let reason: string | undefined;
    if (event === 'halt') {
      const opened = (await this.d.store.boxes(r.id)).filter((b) => b.wave <= r.currentWave && b.state !== 'skipped');
      const failed = opened.filter((b) => b.state === 'failed' || b.state === 'rolled-back').length;
      reason = `error threshold exceeded: ${failed} of ${opened.length} boxes of the opened waves failed or rolled back (limit ${r.errorThresholdPct} %)`;
    }
    await this.d.store.setState(r.id, next, now, reason ? { haltReason: reason } : {});
    await this.d.audit.append({ at: now, actor: 'rollout-engine', actorRole: null, action: `rollout.${event}`, target: r.id, ticket: r.ticket, detail: { automatic: true, ...(reason ? { reason } : {}) }, sourceIp: null });
    this.d.logger[event === 'halt' ? 'warn' : 'info']({ rolloutId: r.id, reason }, `rollout ${next}`);
    const boxes = await this.d.store.boxes(r.id);
    const row = { ...r, state: next, haltReason: reason ?? r.haltReason };
    // A notice that fails is logged: the rollout's own state is already stored.
    try {
      if (event === 'halt') await this.d.notices?.halted(row, reason as string, boxes);
      if (event === 'complete') await this.d.notices?.completed(row, boxes);
    } catch (e) {
      this.d.logger.error({ err: e, rolloutId: r.id }, 'rollout notice failed');
    }
  }

  private async addLateJoiners(r: RolloutRow, now: number): Promise<void> {
    const known = new Set((await this.d.store.boxes(r.id)).map((b) => b.boxId));
    const fresh = (await this.d.store.resolveTarget(r.target)).filter((b) => !known.has(b));
    if (fresh.length === 0) return;
    const busy = new Set(await this.d.store.busyElsewhere(r.id, fresh));
    for (const boxId of fresh) if (!busy.has(boxId)) await this.d.store.addBox(r.id, boxId, lateJoinerWave(r), true, now);
  }

  private async planBoxes(rows: readonly RolloutBoxRow[]): Promise<PlanBox[]> {
    const out: PlanBox[] = [];
    for (const b of rows) out.push({ ...b, active: (await this.d.store.boxStatus(b.boxId)) === 'active' });
    return out;
  }

  /** Persists the job id (and for an install, the attempt) before the retained publish. */
  private async publish(r: RolloutRow, job: PlannedJob, now: number): Promise<void> {
    const row = await this.d.store.box(r.id, job.boxId);
    if (!row) return;
    let jobId: string;
    let message: UpdateJobMessage;
    const base = { v: 1 as const, rolloutId: r.id, version: r.version, channel: r.channel, hardware: r.hardware, repositoryUrl: this.d.repositoryUrl(), targetName: r.targetName, issuedAt: now, expiresAt: now + (this.d.jobTtlMs ?? 7 * 86_400_000) };
    if (job.action === 'abort') {
      // The box aborts only the job it is running: same jobId (agent/update/updater.ts).
      jobId = row.jobId ?? `${r.id}.${row.boxId}.a${row.attempts}`;
      message = { ...base, jobId, action: 'abort', downloadOnly: false, installWindow: null };
      await this.d.store.updateBox(r.id, job.boxId, { abortSent: true }, now);
    } else {
      jobId = job.downloadOnly ? `${r.id}.${row.boxId}.p` : `${r.id}.${row.boxId}.a${row.attempts}`;
      message = { ...base, jobId, action: 'install', downloadOnly: job.downloadOnly, installWindow: job.installWindow };
      await this.d.store.updateBox(r.id, job.boxId, { jobId, updateState: null, ...(job.downloadOnly ? { prefetched: true } : {}) }, now);
    }
    try {
      await this.d.bus.publish(topicFor('updateJob', job.boxId), Buffer.from(encode('updateJob', message)), { qos: 1, retain: true });
    } catch (e) {
      // The box stays scheduled; the job timeout turns it into a retry.
      this.d.logger.warn({ err: e, rolloutId: r.id, boxId: job.boxId, jobId }, 'update job publish failed');
    }
  }
}
