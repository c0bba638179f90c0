import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPPORT_AREAS, runArea, type CliIo } from '../../cli/support/index.ts';
import { WATCH_EXIT } from '../../cli/support/rollout-watch.ts';
import { enrollBox, startTestFleet, type TestFleet } from '../support/fleet-harness.ts';
import { startUpdateBox, type SimulatedUpdateBox } from '../support/update-box-sim.ts';

const bundle = randomBytes(64 * 1024);
const sha256 = createHash('sha256').update(bundle).digest('hex');

/**
 * `resabox rollout watch` and `rollout show` against a fleet whose boxes are simulated
 * update clients over MQTT (test/support/update-box-sim.ts): the watch follows a rollout
 * to its end and its exit code says how it ended.
 */
describe('resabox rollout watch / show', () => {
  let f: TestFleet;
  let url: string;
  const sims: SimulatedUpdateBox[] = [];

  const cli = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env: { RESABOX_URL: url, RESABOX_TOKEN: f.tokens.support } };
    const code = await runArea(SUPPORT_AREAS.find((a) => a.name === 'rollout')!, argv, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const create = async (version: string, boxes: string[]) => {
    const res = await f.call('support', 'POST', '/v1/rollouts', { name: `to ${version}`, version, targetName: 'resabox-1.1.0-rbx-a1.tar.gz', hardware: 'rbx-a1', target: { boxes }, waves: { canary: 1, percents: [100] }, errorThresholdPct: 10, maxAttempts: 1, maintenance: { outsideOpeningHours: false }, start: true });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };

  beforeAll(async () => {
    f = await startTestFleet({ http: { port: 0, host: '127.0.0.1' } });
    url = `http://127.0.0.1:${(f.svc.api.server.address() as AddressInfo).port}`;
    await f.call('admin', 'PUT', '/v1/clubs/club-w', { name: 'Watch', timezone: 'Europe/Paris' });
    for (const id of ['box-w1', 'box-w2', 'box-w3']) {
      const { password } = await enrollBox(f, id, 'club-w');
      sims.push(await startUpdateBox({ mqttUrl: f.mqttUrl, boxId: id, password, version: '1.0.0', script: 'commit', expectSha256: () => sha256 }));
    }
    expect((await f.call('support', 'PUT', '/v1/updates/artifacts/resabox-1.1.0-rbx-a1.tar.gz', bundle, { 'content-type': 'application/octet-stream' })).status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    for (const s of sims) await s.close();
    await f?.close();
  });

  it('follows a rollout to completion wave by wave and exits 0', async () => {
    const id = await create('1.1.0', ['box-w1', 'box-w2']);
    const r = await cli(['watch', id, '--interval', '0.2']);
    expect(r.err).toBe('');
    expect(r.code).toBe(WATCH_EXIT.completed);
    expect(r.out).toMatch(new RegExp(`^${id} "to 1\\.1\\.0" -> 1\\.1\\.0: running, wave 1/2`, 'm'));
    expect(r.out).toMatch(/^ {2}box-w\d\s+wave 1\s+succeeded\s+committed$/m);
    expect(r.out).toMatch(/^ {2}box-w\d\s+wave 2\s+succeeded\s+committed$/m);
    expect(r.out.split('\n').at(-1)).toBe('completed: 2 of 2 boxes run 1.1.0');
  });

  it('exits 4 when the rollout halts, naming the box and its coded error; show lists every box', async () => {
    (sims[2] as SimulatedUpdateBox).script = 'rollback';
    const id = await create('1.1.1', ['box-w3']);
    const r = await cli(['watch', id, '--interval', '0.2']);
    expect(r.code).toBe(WATCH_EXIT.halted);
    expect(r.out).toMatch(/^ {2}box-w3\s+wave 1\s+rolled-back\s+rolled-back {2}UPDATE_TRIAL_UNHEALTHY: the turnstile driver did not come up/m);
    expect(r.out.split('\n').at(-1)).toMatch(/^halted: error threshold exceeded: 1 of 1 boxes/);
    const shown = await cli(['show', id]);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/^actions: resume, cancel, retry-failed$/m);
    expect(shown.out).toMatch(/^BOX\s+WAVE\s+STATE\s+BOX STEP\s+ATTEMPTS\s+ERROR\s+LAST CHANGE$/m);
    expect(shown.out).toMatch(/^box-w3\s+1\s+rolled-back\s+rolled-back\s+1\s+UPDATE_TRIAL_UNHEALTHY: /m);
    const json = JSON.parse((await cli(['show', id, '--json'])).out);
    expect(json.boxes).toEqual([expect.objectContaining({ boxId: 'box-w3', wave: 1, state: 'rolled-back' })]);
    // Cancelled: exit 5.
    await f.call('support', 'POST', `/v1/rollouts/${id}/cancel`, {});
    expect((await cli(['watch', id, '--interval', '0.2'])).code).toBe(WATCH_EXIT.cancelled);
  });

  it('gives up after --timeout with exit 6, and refuses a bad interval', async () => {
    const draft = (await f.call('support', 'POST', '/v1/rollouts', { name: 'draft', version: '1.2.0', targetName: 'resabox-1.1.0-rbx-a1.tar.gz', hardware: 'rbx-a1', target: { boxes: ['box-w1'] } })).body.id as string;
    const r = await cli(['watch', draft, '--interval', '0.1', '--timeout', '0.3']);
    expect(r.code).toBe(WATCH_EXIT.timeout);
    expect(r.err).toMatch(/^ROLLOUT_WATCH_TIMEOUT: rollout ro-[0-9a-f]+ still draft/);
    expect((await cli(['watch', draft, '--interval', 'soon'])).code).toBe(2);
  });
});
