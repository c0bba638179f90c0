import { describe, expect, it } from 'vitest';
import { stepBox, type BoxState } from './machine.ts';
import { parseOpeningHours } from './opening-hours.ts';
import { assignWaves, lateJoinerWave, plan, progressOf, resumeHalted, waveCountOf, type PlanBox, type PlanClub, type PlanInput, type PlanRollout } from './planner.ts';

const NOW = Date.UTC(2026, 0, 5, 22, 0); // Monday 23:00 in Paris: the club below is closed.
const HOUR = 3600_000;

const rollout = (over: Partial<PlanRollout> = {}): PlanRollout => ({
  id: 'ro-1',
  state: 'running',
  currentWave: 0,
  waveCount: 3,
  successThresholdPct: 100,
  errorThresholdPct: 10,
  maxAttempts: 2,
  jobTimeoutMs: HOUR,
  prefetch: false,
  maintenance: { outsideOpeningHours: false, idleMinutes: null },
  ...over,
});

const box = (boxId: string, wave: number, state: BoxState = 'pending', over: Partial<PlanBox> = {}): PlanBox => ({
  boxId,
  wave,
  state,
  attempts: state === 'pending' ? 0 : 1,
  updateState: null,
  lastChangeAt: NOW,
  clubId: null,
  active: true,
  prefetched: false,
  abortSent: false,
  ...over,
});

const run = (r: PlanRollout, boxes: PlanBox[], clubs = new Map<string, PlanClub>(), now = NOW) => plan({ now, rollout: r, boxes, clubs } satisfies PlanInput);
const many = (n: number, wave: number, state: BoxState, prefix = `w${wave}-${state}`) => Array.from({ length: n }, (_, i) => box(`${prefix}-${i}`, wave, state));
const installs = (p: ReturnType<typeof plan>) => p.jobs.filter((j) => j.action === 'install').map((j) => j.boxId).sort();
const aborts = (p: ReturnType<typeof plan>) => p.jobs.filter((j) => j.action === 'abort').map((j) => j.boxId).sort();

describe('planner: waves', () => {
  it('draft and completed rollouts plan nothing', () => {
    for (const state of ['draft', 'completed'] as const) expect(run(rollout({ state }), [box('a', 0)])).toEqual({ rolloutEvent: null, currentWave: 0, boxChanges: [], jobs: [] });
  });

  it('schedules only the boxes of opened waves, one install job each, attempt counted', () => {
    const p = run(rollout(), [box('c', 0), box('x', 1), box('y', 2)]);
    expect(installs(p)).toEqual(['c']);
    expect(p.boxChanges).toEqual([{ boxId: 'c', event: 'schedule', state: 'scheduled', attempts: 1 }]);
    expect(p.jobs[0]).toEqual({ boxId: 'c', action: 'install', downloadOnly: false, installWindow: null });
    expect(p.currentWave).toBe(0);
  });

  it('a finished canary opens the next wave and schedules it in the same step', () => {
    const p = run(rollout(), [box('c', 0, 'succeeded'), box('x', 1), box('y', 2)]);
    expect(p.currentWave).toBe(1);
    expect(installs(p)).toEqual(['x']);
  });

  it('success threshold at its boundary: 9 of 10 opens the next wave at 90 %, 8 of 10 does not', () => {
    const r = rollout({ currentWave: 1, successThresholdPct: 90 });
    const at = run(r, [box('c', 0, 'succeeded'), ...many(9, 1, 'succeeded'), box('slow', 1, 'in-progress'), box('n', 2)]);
    expect(at.currentWave).toBe(2);
    expect(installs(at)).toEqual(['n']);
    const below = run(r, [box('c', 0, 'succeeded'), ...many(8, 1, 'succeeded'), ...many(2, 1, 'in-progress'), box('n', 2)]);
    expect(below.currentWave).toBe(1);
    expect(installs(below)).toEqual([]);
  });

  it('skipped boxes do not count in a wave; an empty wave is passed through', () => {
    const p = run(rollout({ waveCount: 3 }), [box('c', 0, 'skipped'), box('y', 2)]);
    expect(p.currentWave).toBe(2);
    expect(installs(p)).toEqual(['y']);
  });

  it('completes when the last wave is open and every box is finished, failures below the threshold included', () => {
    const p = run(rollout({ currentWave: 2 }), [box('c', 0, 'succeeded'), ...many(10, 1, 'succeeded'), ...many(9, 2, 'succeeded'), box('bad', 2, 'failed')]);
    expect(p.rolloutEvent).toBe('complete');
    expect(run(rollout({ currentWave: 2 }), [box('c', 0, 'succeeded'), box('d', 2, 'in-progress')]).rolloutEvent).toBeNull();
  });
});

describe('planner: error threshold', () => {
  const opened = (failed: number, ok: number, inFlight: PlanBox[] = []) => [...many(failed, 1, 'failed'), ...many(ok, 1, 'succeeded'), ...inFlight];

  it('exactly at the threshold does not halt (2 of 20 at 10 %), one more does (3 of 20)', () => {
    const r = rollout({ currentWave: 1, waveCount: 2, successThresholdPct: 100 });
    expect(run(r, opened(2, 18)).rolloutEvent).toBe('complete');
    const p = run(r, opened(3, 15, [box('busy', 1, 'in-progress'), box('done', 1, 'in-progress', { updateState: 'committed' }), box('told', 1, 'scheduled', { abortSent: true })]));
    expect(p.rolloutEvent).toBe('halt');
    // Aborts go to boxes not yet committed and not already told.
    expect(aborts(p)).toEqual(['busy']);
    expect(installs(p)).toEqual([]);
  });

  it('counts only the opened waves: a failed canary halts before anyone else is touched', () => {
    const p = run(rollout({ currentWave: 0 }), [box('c', 0, 'failed'), ...many(19, 1, 'pending')]);
    expect(p.rolloutEvent).toBe('halt');
    expect(p.jobs).toEqual([]);
  });

  it('a rolled-back box counts as a failure; a threshold of 0 % halts on the first one', () => {
    expect(run(rollout({ errorThresholdPct: 0 }), [box('c', 0, 'rolled-back'), box('d', 0, 'succeeded')]).rolloutEvent).toBe('halt');
    expect(run(rollout({ errorThresholdPct: 50 }), [box('c', 0, 'rolled-back'), box('d', 0, 'in-progress')]).rolloutEvent).toBeNull();
  });

  it('a paused rollout halts too when in-flight boxes cross the threshold', () => {
    expect(run(rollout({ state: 'paused' }), [box('c', 0, 'failed')]).rolloutEvent).toBe('halt');
  });
});

describe('planner: pause, resume, cancel, halt', () => {
  it('paused: nothing is scheduled and no wave opens', () => {
    const p = run(rollout({ state: 'paused' }), [box('c', 0, 'succeeded'), box('x', 1), box('p', 0)]);
    expect(p).toEqual({ rolloutEvent: null, currentWave: 0, boxChanges: [], jobs: [] });
  });

  it('resumed (running again): scheduling picks up where it stopped', () => {
    const p = run(rollout({ state: 'running' }), [box('c', 0, 'succeeded'), box('x', 1)]);
    expect(installs(p)).toEqual(['x']);
  });

  it('cancelled: pending boxes are skipped, unfinished ones get one abort job, committed ones none', () => {
    const boxes = [box('p', 2), box('pf', 2, 'pending', { prefetched: true }), box('s', 0, 'scheduled'), box('i', 1, 'in-progress'), box('c', 1, 'in-progress', { updateState: 'committed' }), box('a', 1, 'in-progress', { abortSent: true }), box('ok', 0, 'succeeded')];
    const p = run(rollout({ state: 'cancelled', currentWave: 1 }), boxes);
    expect(p.boxChanges).toEqual([
      { boxId: 'p', event: 'skip', state: 'skipped', attempts: 0 },
      { boxId: 'pf', event: 'skip', state: 'skipped', attempts: 0 },
    ]);
    // The prefetched one waits in staged on the box: it is released too.
    expect(aborts(p)).toEqual(['i', 'pf', 's']);
    expect(p.rolloutEvent).toBeNull();
  });

  it('resuming a halted rollout retries its failed, rolled-back and aborted boxes; the error count restarts', () => {
    const boxes = [
      box('f', 1, 'failed', { attempts: 2 }),
      box('r', 1, 'rolled-back', { attempts: 1 }),
      box('ab', 1, 'skipped', { attempts: 1, updateState: 'aborted' }),
      box('rev', 1, 'skipped', { attempts: 1, updateState: 'aborted', active: false }),
      box('ok', 0, 'succeeded', { attempts: 1 }),
      box('p', 2),
    ];
    const changes = resumeHalted(boxes, 2);
    expect(changes).toEqual([
      { boxId: 'f', event: 'resume', state: 'pending', attempts: 2 },
      { boxId: 'r', event: 'resume', state: 'pending', attempts: 1 },
      { boxId: 'ab', event: 'resume', state: 'pending', attempts: 1 },
    ]);
    const after = boxes.map((b) => ({ ...b, ...(changes.find((c) => c.boxId === b.boxId) ?? {}) }));
    // Running again with the same 10 % threshold: nothing counts as failed, the retried boxes are scheduled (next attempt).
    const p = run(rollout({ state: 'running', currentWave: 1, errorThresholdPct: 10, maxAttempts: 2 }), after);
    expect(p.rolloutEvent).toBeNull();
    expect(installs(p)).toEqual(['ab', 'f', 'r']);
    expect(p.boxChanges.find((c) => c.boxId === 'f')).toMatchObject({ event: 'schedule', attempts: 3 });
    // The budget is not renewed: the resumed box that fails again is failed for good.
    expect(stepBox('in-progress', 'fail', 3, 2)).toEqual({ kind: 'to', state: 'failed', attempts: 3 });
  });

  it('halted: pending boxes stay pending (what never ran stays visible), unfinished ones are aborted', () => {
    const p = run(rollout({ state: 'halted' }), [box('p', 1), box('i', 0, 'in-progress')]);
    expect(p.boxChanges).toEqual([]);
    expect(aborts(p)).toEqual(['i']);
  });
});

describe('planner: retries and timeouts', () => {
  it('a silent box times out into a retry and is scheduled again at once, attempt counted', () => {
    const p = run(rollout(), [box('t', 0, 'in-progress', { attempts: 1, lastChangeAt: NOW - HOUR })]);
    expect(p.boxChanges).toEqual([
      { boxId: 't', event: 'timeout', state: 'pending', attempts: 1 },
      { boxId: 't', event: 'schedule', state: 'scheduled', attempts: 2 },
    ]);
    expect(installs(p)).toEqual(['t']);
  });

  it('no attempt left: the timeout is a failure', () => {
    const p = run(rollout({ errorThresholdPct: 100 }), [box('t', 0, 'scheduled', { attempts: 2, lastChangeAt: NOW - HOUR }), box('u', 0, 'in-progress')]);
    expect(p.boxChanges).toEqual([{ boxId: 't', event: 'timeout', state: 'failed', attempts: 2 }]);
  });

  it('just under the timeout nothing happens; a box waiting for its window never times out', () => {
    expect(run(rollout(), [box('t', 0, 'in-progress', { lastChangeAt: NOW - HOUR + 1 })]).boxChanges).toEqual([]);
    expect(run(rollout(), [box('w', 0, 'in-progress', { updateState: 'waiting-window', lastChangeAt: NOW - 100 * HOUR })]).boxChanges).toEqual([]);
  });
});

describe('planner: maintenance window (club in Europe/Paris)', () => {
  const clubs = new Map<string, PlanClub>([['paris', { timezone: 'Europe/Paris', hours: parseOpeningHours({ mon: [['06:00', '22:30']] }) }]]);
  const outside = rollout({ maintenance: { outsideOpeningHours: true, idleMinutes: null } });
  const mondayParis = (h: number, m: number) => Date.UTC(2026, 0, 5, h - 1, m); // winter: Paris = UTC+1

  it('a box whose club is open is not scheduled; at closing time it is', () => {
    expect(installs(run(outside, [box('b', 0, 'pending', { clubId: 'paris' })], clubs, mondayParis(22, 29)))).toEqual([]);
    const p = run(outside, [box('b', 0, 'pending', { clubId: 'paris' })], clubs, mondayParis(22, 30));
    expect(installs(p)).toEqual(['b']);
    expect(p.jobs[0]).toMatchObject({ installWindow: null });
  });

  it('before opening time it is scheduled, from opening time it waits', () => {
    expect(installs(run(outside, [box('b', 0, 'pending', { clubId: 'paris' })], clubs, mondayParis(5, 59)))).toEqual(['b']);
    expect(installs(run(outside, [box('b', 0, 'pending', { clubId: 'paris' })], clubs, mondayParis(6, 0)))).toEqual([]);
  });

  it('with an idle rule the box is scheduled while open and told to wait for N minutes without a pass', () => {
    const idle = rollout({ maintenance: { outsideOpeningHours: true, idleMinutes: 20 } });
    const p = run(idle, [box('b', 0, 'pending', { clubId: 'paris' })], clubs, mondayParis(12, 0));
    expect(p.jobs).toEqual([{ boxId: 'b', action: 'install', downloadOnly: false, installWindow: { notBefore: null, idleMinutes: 20 } }]);
  });

  it('no window asked: scheduled while open; a box without a club counts as closed', () => {
    expect(installs(run(rollout(), [box('b', 0, 'pending', { clubId: 'paris' })], clubs, mondayParis(12, 0)))).toEqual(['b']);
    expect(installs(run(outside, [box('n', 0)], clubs, mondayParis(12, 0)))).toEqual(['n']);
  });

  it('prefetch: boxes that must wait (later wave or open club) get one download-only job', () => {
    const r = rollout({ prefetch: true, maintenance: { outsideOpeningHours: true, idleMinutes: null } });
    const p = run(r, [box('open', 0, 'pending', { clubId: 'paris' }), box('later', 1), box('done', 2, 'pending', { prefetched: true }), box('now', 0)], clubs, mondayParis(12, 0));
    expect(p.jobs).toEqual([
      { boxId: 'open', action: 'install', downloadOnly: true, installWindow: null },
      { boxId: 'later', action: 'install', downloadOnly: true, installWindow: null },
      { boxId: 'now', action: 'install', downloadOnly: false, installWindow: null },
    ]);
  });
});

describe('planner: membership', () => {
  it('assigns canary then cumulative percentages, stably, every box once', () => {
    const ids = Array.from({ length: 20 }, (_, i) => `box-${i}`);
    const w = { canary: 1, percents: [50, 100] };
    const a = assignWaves('ro-x', ids, w);
    expect(waveCountOf(w)).toBe(3);
    expect([...a.keys()].sort()).toEqual([...ids].sort());
    const sizes = [0, 1, 2].map((k) => [...a.values()].filter((v) => v === k).length);
    expect(sizes).toEqual([1, 9, 10]);
    expect(assignWaves('ro-x', [...ids].reverse(), w)).toEqual(a);
    expect(assignWaves('ro-y', ids, w)).not.toEqual(a);
    expect([...assignWaves('ro-z', ids, { canary: 0, percents: [100] }).values()].every((v) => v === 0)).toBe(true);
  });

  it('a late joiner lands in the last wave: it waits for it, then gets its job', () => {
    const w = { canary: 1, percents: [50, 100] };
    const late = box('late', lateJoinerWave(w));
    expect(late.wave).toBe(2);
    expect(installs(run(rollout({ currentWave: 1 }), [box('c', 0, 'succeeded'), box('x', 1, 'in-progress'), late]))).toEqual([]);
    expect(installs(run(rollout({ currentWave: 2 }), [box('c', 0, 'succeeded'), box('x', 1, 'succeeded'), late]))).toEqual(['late']);
  });

  it('a revoked box that has not started is skipped', () => {
    const p = run(rollout(), [box('r', 0, 'pending', { active: false }), box('k', 0)]);
    expect(p.boxChanges[0]).toEqual({ boxId: 'r', event: 'skip', state: 'skipped', attempts: 0 });
    expect(installs(p)).toEqual(['k']);
  });

  it('progress counts boxes per state, overall and per wave', () => {
    const pr = progressOf([box('a', 0, 'succeeded'), box('b', 1, 'failed'), box('c', 1, 'pending')], 2);
    expect(pr.total).toMatchObject({ succeeded: 1, failed: 1, pending: 1, skipped: 0 });
    expect(pr.waves[1]).toMatchObject({ failed: 1, pending: 1, succeeded: 0 });
  });
});
