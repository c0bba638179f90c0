import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollBox, eventually, startTestFleet, type Json, type TestFleet } from '../support/fleet-harness.ts';
import { startUpdateBox, type SimulatedUpdateBox } from '../support/update-box-sim.ts';

const BOXES = 20;
const FAILING = ['rb-sim-03', 'rb-sim-11', 'rb-sim-17'];
const bundle = randomBytes(256 * 1024);
const sha256 = createHash('sha256').update(bundle).digest('hex');
const octet = { 'content-type': 'application/octet-stream' };

/**
 * 20 simulated boxes (real mqtt.js clients on the fleet's embedded broker, downloading the
 * bundle from the fleet's HTTP repository with Range requests) take a rollout. Three fail
 * every install: the rollout halts by itself at a 10 % error threshold. Fixed, support
 * resumes the halted rollout, which then completes wave by wave.
 */
describe('rollout over simulated boxes', () => {
  let f: TestFleet;
  const sims = new Map<string, SimulatedUpdateBox>();
  const ids = Array.from({ length: BOXES }, (_, i) => `rb-sim-${String(i).padStart(2, '0')}`);
  let haltedId = '';

  const rollout = async (id: string): Promise<Json> => (await f.call('viewer', 'GET', `/v1/rollouts/${id}`)).body;
  const auditRows = async (action: string, target: string): Promise<Json[]> => (await f.call('admin', 'GET', `/v1/audit?action=${action}&target=${target}`)).body.entries;
  const boxesOf = async (id: string): Promise<Json[]> => (await f.call('viewer', 'GET', `/v1/rollouts/${id}/boxes`)).body.boxes;
  const until = (id: string, states: string[]) =>
    eventually(async () => {
      const r = await rollout(id);
      return states.includes(r.state) ? r : undefined;
    }, `rollout ${id} in ${states.join('/')}`, 12_000);

  beforeAll(async () => {
    f = await startTestFleet({ http: { port: 0, host: '127.0.0.1' }, enrollmentRateLimit: { perKey: 10_000, total: 10_000, windowMs: 60_000 } });
    await f.call('admin', 'PUT', '/v1/clubs/club-sim', { name: 'Sim', timezone: 'Europe/Paris' });
    for (const id of ids) {
      const { password } = await enrollBox(f, id, 'club-sim');
      sims.set(id, await startUpdateBox({ mqttUrl: f.mqttUrl, boxId: id, password, version: '1.0.0', script: FAILING.includes(id) ? 'fail' : 'commit', expectSha256: () => sha256 }));
    }
    await f.call('admin', 'PUT', '/v1/boxes/rb-sim-00/tags', { tags: ['sim'] });
    const up = await f.call('support', 'PUT', '/v1/updates/artifacts/resabox-1.1.0-rbx-a1.tar.gz', bundle, octet);
    expect(up.status).toBe(201);
    expect(up.body.sha256).toBe(sha256);
  }, 300_000);

  afterAll(async () => {
    for (const s of sims.values()) await s.close();
    await f?.close();
  });

  const create = async (version: string, extra: Record<string, unknown> = {}) => {
    const res = await f.call('support', 'POST', '/v1/rollouts', {
      name: `sim ${version}`,
      version,
      targetName: 'resabox-1.1.0-rbx-a1.tar.gz',
      hardware: 'rbx-a1',
      target: { clubs: ['club-sim'] },
      waves: { canary: 1, percents: [50, 100] },
      errorThresholdPct: 10,
      maxAttempts: 2,
      ticket: 'SUP-42',
      start: true,
      ...extra,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };

  it('three failing boxes out of twenty halt the rollout at a 10 % error threshold', async () => {
    // 85 %: a wave with one failure still opens the next one, so the halt comes from the error threshold alone.
    const created = await create('1.1.0', { successThresholdPct: 85 });
    haltedId = created.id;
    const halted = await until(created.id, ['halted', 'completed']);
    expect(halted.state).toBe('halted');
    expect(halted.haltReason).toMatch(/error threshold exceeded: \d+ of \d+ boxes/);
    const boxes = await boxesOf(created.id);
    const failed = boxes.filter((b) => b.state === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(1);
    for (const b of failed) {
      expect(FAILING).toContain(b.boxId);
      // Each failing box was retried once before it counted as failed.
      expect(b.attempts).toBe(2);
      expect(b.lastError.code).toBe('UPDATE_INSTALL_FAILED');
    }
    // Nothing beyond the opened waves was touched.
    // Waves are numbered from 1 (wave 1: the canary), currentWave as the boxes' wave.
    expect(boxes.filter((x) => x.wave === 1)).toHaveLength(1);
    for (const b of boxes.filter((x) => x.wave > halted.currentWave)) expect(b).toMatchObject({ state: 'pending', attempts: 0 });
    expect(halted.progress.total.failed).toBe(failed.length);
    expect((await auditRows('rollout.halt', created.id))[0]).toMatchObject({ actor: 'rollout-engine', ticket: 'SUP-42', detail: expect.objectContaining({ automatic: true }) });
    // The halt opened an alert, filed under a box that failed, with its coded reason; support may resume, retry the failed boxes or cancel.
    const alerts = (await f.call('viewer', 'GET', '/v1/alerts?status=open')).body.alerts.filter((a: Json) => a.rule === 'rollout-halted');
    expect(alerts).toEqual([expect.objectContaining({ subject: created.id, severity: 'critical', message: expect.stringMatching(/^rollout "sim 1\.1\.0" to 1\.1\.0 halted: error threshold exceeded.*UPDATE_INSTALL_FAILED/) })]);
    expect(FAILING).toContain(alerts[0].boxId);
    expect(halted.validActions).toEqual(['resume', 'cancel', 'retry-failed']);
    // Boxes still on their way when it halted were told to abort; none is left in flight for long.
    await eventually(async () => ((await boxesOf(created.id)).every((b) => !['scheduled', 'in-progress'].includes(b.state)) ? true : undefined), 'in-flight boxes settled', 12_000);
  }, 300_000);

  it('with the failing boxes fixed, support resumes the halted rollout and it completes wave by wave', async () => {
    const halted = await rollout(haltedId);
    expect(halted.state).toBe('halted');
    const before = await boxesOf(haltedId);
    // What the resume retries: the failed and rolled-back boxes, and those the halt aborted.
    const retried = before.filter((b) => ['failed', 'rolled-back'].includes(b.state) || (b.state === 'skipped' && b.updateState === 'aborted'));
    expect(retried.length).toBeGreaterThanOrEqual(1);
    for (const id of FAILING) (sims.get(id) as SimulatedUpdateBox).script = 'commit';
    expect((await f.call('viewer', 'POST', `/v1/rollouts/${haltedId}/resume`, {})).body.error.code).toBe('API_FORBIDDEN');
    const resumed = await f.call('support', 'POST', `/v1/rollouts/${haltedId}/resume`, { ticket: 'SUP-43' });
    expect(resumed.status).toBe(200);
    // The halt's error count restarts: the failures before the resume no longer count.
    expect(resumed.body.state).toBe('running');
    const done = await until(haltedId, ['completed', 'halted']);
    expect(done.state).toBe('completed');
    expect(done.progress.total.succeeded).toBe(BOXES);
    expect(done.progress.waves.map((w: Json) => w.succeeded)).toEqual([1, 9, 10]);
    const boxes = await boxesOf(haltedId);
    for (const b of retried) expect(boxes.find((x) => x.boxId === b.boxId)).toMatchObject({ state: 'succeeded', attempts: b.attempts + 1 });
    expect((await auditRows('rollout.resume', haltedId))[0]).toMatchObject({ actorRole: 'support', ticket: 'SUP-43' });
    // The resume closed the halt's alert; the completion left an event on every box.
    expect((await f.call('viewer', 'GET', '/v1/alerts?status=open')).body.alerts.filter((a: Json) => a.rule === 'rollout-halted')).toEqual([]);
    const completed = (await f.call('viewer', 'GET', '/v1/events?kind=rollout.completed&limit=100')).body.events.filter((e: Json) => e.subject === haltedId);
    expect(completed).toHaveLength(BOXES);
    expect(done.validActions).toEqual([]);
    // Wave by wave, before the halt and after the resume: every box of a wave had its first job before any box of the next wave got one.
    const jobSeq = (boxId: string) => (sims.get(boxId) as SimulatedUpdateBox).jobs.find((j) => j.job.rolloutId === haltedId && j.job.action === 'install')?.seq as number;
    for (let w = 1; w < 3; w++) {
      const lastOfWave = Math.max(...boxes.filter((b) => b.wave === w).map((b) => jobSeq(b.boxId)));
      const firstOfNext = Math.min(...boxes.filter((b) => b.wave === w + 1).map((b) => jobSeq(b.boxId)));
      expect(lastOfWave).toBeLessThan(firstOfNext);
    }
    for (const s of sims.values()) expect(s.version).toBe('1.1.0');
    const job = (sims.get('rb-sim-05') as SimulatedUpdateBox).jobs.find((j) => j.job.rolloutId === haltedId)?.job;
    expect(job).toMatchObject({ action: 'install', version: '1.1.0', targetName: 'resabox-1.1.0-rbx-a1.tar.gz', downloadOnly: false, repositoryUrl: `${f.svc.httpUrl}/repository` });
  }, 300_000);

  it('a box that rolls back shows as rolled back with its reason and event', async () => {
    (sims.get('rb-sim-00') as SimulatedUpdateBox).script = 'rollback';
    const created = await create('1.1.1', { target: { tags: ['sim'] }, waves: { canary: 0, percents: [100] } });
    expect((await until(created.id, ['halted', 'completed'])).state).toBe('halted');
    const view = await eventually(async () => {
      const v = (await f.call('viewer', 'GET', '/v1/boxes/rb-sim-00/updates')).body;
      return v.rollbackEvents.length > 0 ? v : undefined;
    }, 'rolled-back event stored', 12_000);
    expect(view.rollouts[0]).toMatchObject({ rolloutId: created.id, state: 'rolled-back', updateState: 'rolled-back', lastError: { code: 'UPDATE_TRIAL_UNHEALTHY' } });
    expect(view.rollbackEvents[0]).toMatchObject({ kind: 'update.rolled-back', boxId: 'rb-sim-00' });
    // Fixed: support retries the rolled-back box only (one more attempt, a new job); the rollout completes.
    (sims.get('rb-sim-00') as SimulatedUpdateBox).script = 'commit';
    const retried = await f.call('support', 'POST', `/v1/rollouts/${created.id}/retry-failed`, { ticket: 'SUP-44' });
    expect(retried.body).toMatchObject({ state: 'running' });
    expect((await until(created.id, ['completed', 'halted'])).state).toBe('completed');
    expect((await boxesOf(created.id))[0]).toMatchObject({ boxId: 'rb-sim-00', state: 'succeeded', attempts: 2 });
    expect((await f.call('support', 'POST', `/v1/rollouts/${created.id}/retry-failed`, {})).body.error.code).toBe('ROLLOUT_STATE_CONFLICT');
  }, 300_000);
});
