import { createHash } from 'node:crypto';
import type { UpdateState } from '../../protocol/mqtt/index.ts';
import { isTerminal, nextRolloutState, PATIENT_UPDATE_STATES, stepBox, type BoxEvent, type BoxState, type RolloutEvent, type RolloutState } from './machine.ts';
import { isOpenAt, type OpeningHours } from './opening-hours.ts';

/** The rollout's settings the planner reads (a subset of the stored rollout). */
export interface PlanRollout {
  readonly id: string;
  readonly state: RolloutState;
  readonly currentWave: number;
  readonly waveCount: number;
  /** A wave is done, and the next one opens, when at least this share of its boxes succeeded. */
  readonly successThresholdPct: number;
  /** Halt when more than this share of the boxes of the opened waves failed or rolled back. */
  readonly errorThresholdPct: number;
  readonly maxAttempts: number;
  readonly jobTimeoutMs: number;
  /** Download-now-install-later: every box gets a download-only job at start, the install job in its wave. */
  readonly prefetch: boolean;
  readonly maintenance: { readonly outsideOpeningHours: boolean; readonly idleMinutes: number | null };
}

export interface PlanBox {
  readonly boxId: string;
  readonly wave: number;
  readonly state: BoxState;
  readonly attempts: number;
  readonly updateState: UpdateState | null;
  readonly lastChangeAt: number;
  readonly clubId: string | null;
  /** False once the box is revoked: a pending one is skipped. */
  readonly active: boolean;
  readonly prefetched: boolean;
  readonly abortSent: boolean;
}

export interface PlanClub {
  readonly timezone: string;
  readonly hours: OpeningHours;
}

export type InstallWindow = { notBefore: number | null; idleMinutes: number | null } | null;

export type PlannedJob =
  | { readonly boxId: string; readonly action: 'install'; readonly downloadOnly: boolean; readonly installWindow: InstallWindow }
  | { readonly boxId: string; readonly action: 'abort' };

export interface BoxChange {
  readonly boxId: string;
  readonly event: BoxEvent;
  readonly state: BoxState;
  readonly attempts: number;
}

export interface Plan {
  readonly rolloutEvent: RolloutEvent | null;
  readonly currentWave: number;
  readonly boxChanges: BoxChange[];
  readonly jobs: PlannedJob[];
}

export interface PlanInput {
  readonly now: number;
  readonly rollout: PlanRollout;
  readonly boxes: readonly PlanBox[];
  readonly clubs: ReadonlyMap<string, PlanClub>;
}

const FAILED: readonly BoxState[] = ['failed', 'rolled-back'];

/**
 * One planning step, pure: from the rollout and its boxes as stored, the box changes,
 * jobs to publish and rollout transition to apply. The engine calls it on every tick and
 * after every box report; applying a plan and planning again changes nothing more.
 */
export function plan(input: PlanInput): Plan {
  const { now, rollout: r, clubs } = input;
  const boxes = new Map(input.boxes.map((b) => [b.boxId, { ...b }]));
  const boxChanges: BoxChange[] = [];
  const jobs: PlannedJob[] = [];
  const apply = (b: PlanBox & { state: BoxState; attempts: number }, event: BoxEvent): boolean => {
    const step = stepBox(b.state, event, b.attempts, r.maxAttempts);
    if (step.kind !== 'to') return false;
    b.state = step.state;
    b.attempts = step.attempts;
    boxChanges.push({ boxId: b.boxId, event, state: step.state, attempts: step.attempts });
    return true;
  };

  if (r.state === 'draft' || r.state === 'completed') return { rolloutEvent: null, currentWave: r.currentWave, boxChanges, jobs };

  for (const b of boxes.values()) {
    const waiting = b.updateState !== null && PATIENT_UPDATE_STATES.includes(b.updateState);
    if ((b.state === 'scheduled' || b.state === 'in-progress') && !waiting && now - b.lastChangeAt >= r.jobTimeoutMs) apply(b, 'timeout');
  }

  for (const b of boxes.values()) if (b.state === 'pending' && !b.active) apply(b, 'skip');

  if (r.state === 'cancelled' || r.state === 'halted') {
    for (const b of boxes.values()) {
      // A prefetched box waits in `staged` for its install job: release it, or it stays busy.
      if (r.state === 'cancelled' && b.state === 'pending' && b.prefetched && !b.abortSent) jobs.push({ boxId: b.boxId, action: 'abort' });
      if (r.state === 'cancelled' && b.state === 'pending') apply(b, 'skip');
      if ((b.state === 'scheduled' || b.state === 'in-progress') && !b.abortSent && b.updateState !== 'committed') jobs.push({ boxId: b.boxId, action: 'abort' });
    }
    return { rolloutEvent: null, currentWave: r.currentWave, boxChanges, jobs };
  }

  if (exceedsErrorThreshold([...boxes.values()], r.currentWave, r.errorThresholdPct)) {
    for (const b of boxes.values()) {
      if ((b.state === 'scheduled' || b.state === 'in-progress') && !b.abortSent && b.updateState !== 'committed') jobs.push({ boxId: b.boxId, action: 'abort' });
    }
    return { rolloutEvent: nextRolloutState(r.state, 'halt') ? 'halt' : null, currentWave: r.currentWave, boxChanges, jobs };
  }
  if (r.state === 'paused') return { rolloutEvent: null, currentWave: r.currentWave, boxChanges, jobs };

  let wave = r.currentWave;
  while (wave < r.waveCount - 1 && waveSucceeded([...boxes.values()], wave, r.successThresholdPct)) wave++;

  for (const b of boxes.values()) {
    if (b.state !== 'pending') continue;
    const club = b.clubId === null ? undefined : clubs.get(b.clubId);
    const open = club !== undefined && isOpenAt(club.hours, club.timezone, now);
    const mayInstall = !r.maintenance.outsideOpeningHours || !open || r.maintenance.idleMinutes !== null;
    if (b.wave <= wave && mayInstall) {
      apply(b, 'schedule');
      const idle = r.maintenance.idleMinutes;
      jobs.push({ boxId: b.boxId, action: 'install', downloadOnly: false, installWindow: idle === null ? null : { notBefore: null, idleMinutes: idle } });
    } else if (r.prefetch && !b.prefetched) {
      jobs.push({ boxId: b.boxId, action: 'install', downloadOnly: true, installWindow: null });
    }
  }

  const all = [...boxes.values()];
  const complete = wave === r.waveCount - 1 && all.every((b) => isTerminal(b.state));
  return { rolloutEvent: complete ? 'complete' : null, currentWave: wave, boxChanges, jobs };
}

/**
 * Resuming a halted rollout (support fixed the failing boxes): every box that failed, rolled
 * back, or was aborted by the halt goes back to pending with its abort flag cleared, so the
 * next planning round schedules it again (next attempt number). The error threshold then
 * counts from zero for the resumed waves: only failures after the resume make it halt again.
 * The retry budget is not renewed: a resumed box that fails once more is failed for good.
 * A box skipped because it was revoked, or that never got a job, stays as it is.
 */
export function resumeHalted(boxes: readonly PlanBox[], maxAttempts: number): BoxChange[] {
  const changes: BoxChange[] = [];
  for (const b of boxes) {
    const retried = FAILED.includes(b.state) || (b.state === 'skipped' && b.active && b.updateState === 'aborted');
    if (!retried) continue;
    const step = stepBox(b.state, 'resume', b.attempts, maxAttempts);
    if (step.kind === 'to') changes.push({ boxId: b.boxId, event: 'resume', state: step.state, attempts: step.attempts });
  }
  return changes;
}

/** More than `pct` % of the (not skipped) boxes of the opened waves failed or rolled back. */
export function exceedsErrorThreshold(boxes: readonly PlanBox[], currentWave: number, pct: number): boolean {
  const opened = boxes.filter((b) => b.wave <= currentWave && b.state !== 'skipped');
  const failed = opened.filter((b) => FAILED.includes(b.state)).length;
  return failed > 0 && failed * 100 > pct * opened.length;
}

/** At least `pct` % of the wave's (not skipped) boxes succeeded; an empty wave is done. */
export function waveSucceeded(boxes: readonly PlanBox[], wave: number, pct: number): boolean {
  const members = boxes.filter((b) => b.wave === wave && b.state !== 'skipped');
  const ok = members.filter((b) => b.state === 'succeeded').length;
  return ok * 100 >= pct * members.length;
}

/** The waves: an optional canary wave of `canary` boxes, then cumulative percentages ending at 100. */
export interface WavePlan {
  readonly canary: number;
  readonly percents: readonly number[];
}

export const waveCountOf = (w: WavePlan): number => (w.canary > 0 ? 1 : 0) + w.percents.length;

/**
 * Puts each box in a wave. The order is a hash of rollout id and box id: stable, and not
 * alphabetical, so a canary is not always the same club's box. Percentages count from the
 * start of the order (the canary included).
 */
export function assignWaves(rolloutId: string, boxIds: readonly string[], w: WavePlan): Map<string, number> {
  const order = [...boxIds].sort((a, b) => {
    const ha = createHash('sha256').update(`${rolloutId}/${a}`).digest('hex');
    const hb = createHash('sha256').update(`${rolloutId}/${b}`).digest('hex');
    return ha < hb ? -1 : ha > hb ? 1 : 0;
  });
  const n = order.length;
  const first = w.canary > 0 ? 1 : 0;
  const out = new Map<string, number>();
  order.forEach((id, i) => {
    if (i < w.canary) return void out.set(id, 0);
    const k = w.percents.findIndex((p) => i < Math.ceil((p * n) / 100));
    out.set(id, first + (k < 0 ? w.percents.length - 1 : k));
  });
  return out;
}

/** A box that joins the target after creation goes into the last wave: it gets its job when that wave opens. */
export const lateJoinerWave = (w: WavePlan): number => waveCountOf(w) - 1;

export type StateCounts = Record<BoxState, number>;

export interface Progress {
  readonly total: StateCounts;
  readonly waves: StateCounts[];
}

const zeroCounts = (): StateCounts => ({ pending: 0, scheduled: 0, 'in-progress': 0, succeeded: 0, failed: 0, 'rolled-back': 0, skipped: 0 });

export function progressOf(boxes: readonly { wave: number; state: BoxState }[], waveCount: number): Progress {
  const total = zeroCounts();
  const waves = Array.from({ length: waveCount }, zeroCounts);
  for (const b of boxes) {
    total[b.state]++;
    const w = waves[b.wave];
    if (w) w[b.state]++;
  }
  return { total, waves };
}
