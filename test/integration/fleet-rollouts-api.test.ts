import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicFor } from '../../protocol/mqtt/index.ts';
import { connectBox, enrollBox, nextMessage, startTestFleet, type Json, type TestFleet } from '../support/fleet-harness.ts';

const octet = { 'content-type': 'application/octet-stream' };
const ALL_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]]));

describe('rollouts API', () => {
  let f: TestFleet;
  const body = (over: Record<string, unknown> = {}) => ({ name: 'fix 1.2.1', version: '1.2.1', targetName: 'resabox-1.2.1-rbx-a1.tar.gz', hardware: 'rbx-a1', target: { clubs: ['club-a'] }, ...over });
  const audit = async (action: string, target: string): Promise<Json[]> => (await f.call('admin', 'GET', `/v1/audit?action=${action}&target=${target}`)).body.entries;
  const cancelLive = async () => {
    for (const r of (await f.call('viewer', 'GET', '/v1/rollouts')).body.rollouts) if (['draft', 'running', 'paused', 'halted'].includes(r.state)) await f.call('admin', 'POST', `/v1/rollouts/${r.id}/cancel`, {});
  };

  beforeAll(async () => {
    f = await startTestFleet({ maxArtifactBytes: 64 * 1024, enrollmentRateLimit: { perKey: 1000, total: 1000, windowMs: 60_000 } });
    await f.call('admin', 'PUT', '/v1/clubs/club-a', { name: 'A', timezone: 'Europe/Paris' });
    await f.call('admin', 'PUT', '/v1/clubs/club-open', { name: 'Always open', timezone: 'Europe/Paris', openingHours: ALL_DAY });
    for (const id of ['box-a1', 'box-a2', 'box-a3']) await enrollBox(f, id, 'club-a');
    await enrollBox(f, 'box-o1', 'club-open');
    await enrollBox(f, 'box-late', 'club-open');
  }, 120_000);
  afterAll(async () => {
    await f?.close();
  });

  describe('artifact upload', () => {
    it('stores the bytes and reports their length and hashes', async () => {
      const bytes = randomBytes(40_000);
      const res = await f.call('support', 'PUT', '/v1/updates/artifacts/resabox-1.2.1-rbx-a1.tar.gz', bytes, { ...octet, 'x-ticket': 'SUP-7' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ targetName: 'resabox-1.2.1-rbx-a1.tar.gz', length: 40_000, sha256: createHash('sha256').update(bytes).digest('hex'), sha512: createHash('sha512').update(bytes).digest('hex'), ticket: 'SUP-7' });
      const served = await f.svc.api.inject({ method: 'GET', url: '/repository/targets/resabox-1.2.1-rbx-a1.tar.gz' });
      expect(served.statusCode).toBe(200);
      expect(served.rawPayload.equals(bytes)).toBe(true);
      expect((await audit('artifact.upload', 'resabox-1.2.1-rbx-a1.tar.gz'))[0]).toMatchObject({ actorRole: 'support', ticket: 'SUP-7', detail: expect.objectContaining({ length: 40_000 }) });
    });

    it('refuses a body over the limit with a coded 413, declared or streamed, and leaves nothing behind', async () => {
      const declared = await f.call('support', 'PUT', '/v1/updates/artifacts/big.tar.gz', randomBytes(64 * 1024 + 1), octet);
      expect(declared.status).toBe(413);
      expect(declared.body.error.code).toBe('ARTIFACT_TOO_LARGE');
      // No Content-Length: the cap is enforced on the bytes as they stream in.
      const streamed = await f.svc.api.inject({ method: 'PUT', url: '/v1/updates/artifacts/big.tar.gz', headers: { ...octet, authorization: `Bearer ${f.tokens.support}` }, payload: Readable.from([randomBytes(40_000), randomBytes(40_000)]) });
      expect(streamed.statusCode).toBe(413);
      expect(JSON.parse(streamed.body).error.code).toBe('ARTIFACT_TOO_LARGE');
      const repo = f.svc.api.ctx.repository.root;
      expect(readdirSync(join(repo, 'targets'))).not.toContain('big.tar.gz');
      expect(readdirSync(join(repo, '.incoming'))).toEqual([]);
    });

    it('refuses other content types, path-like names and unknown metadata names', async () => {
      expect((await f.call('support', 'PUT', '/v1/updates/artifacts/x.tar.gz', { a: 1 })).body.error.code).toBe('API_UNSUPPORTED_MEDIA_TYPE');
      for (const name of ['.hidden', 'a%2Fb', 'a%5Cb', 'a%00b']) {
        const res = await f.call('support', 'PUT', `/v1/updates/artifacts/${name}`, Buffer.from('x'), octet);
        expect(res.body.error.code, name).toBe('ARTIFACT_NAME_INVALID');
      }
      // A dot-dot segment never even reaches a route.
      expect((await f.call('support', 'PUT', '/v1/updates/artifacts/%2E%2E', Buffer.from('x'), octet)).status).toBe(404);
      expect((await f.call('support', 'PUT', '/v1/updates/metadata/evil.json', Buffer.from('{}'), octet)).body.error.code).toBe('ARTIFACT_NAME_INVALID');
      expect((await f.call('admin', 'PUT', '/v1/updates/metadata/2.root.json', Buffer.from('{"signed":{}}'), octet)).status).toBe(201);
      expect((await f.svc.api.inject({ method: 'GET', url: '/repository/metadata/2.root.json' })).body).toBe('{"signed":{}}');
    });

    it('serves byte ranges for resumed downloads', async () => {
      const url = '/repository/targets/resabox-1.2.1-rbx-a1.tar.gz';
      const full = (await f.svc.api.inject({ method: 'GET', url })).rawPayload;
      const part = await f.svc.api.inject({ method: 'GET', url, headers: { range: 'bytes=30000-' } });
      expect(part.statusCode).toBe(206);
      expect(part.headers['content-range']).toBe('bytes 30000-39999/40000');
      expect(part.rawPayload.equals(full.subarray(30000))).toBe(true);
      const past = await f.svc.api.inject({ method: 'GET', url, headers: { range: 'bytes=40000-' } });
      expect(past.statusCode).toBe(416);
      expect(past.headers['content-range']).toBe('bytes */40000');
      expect((await f.svc.api.inject({ method: 'GET', url: '/repository/targets/nope.tar.gz' })).statusCode).toBe(404);
      expect((await f.svc.api.inject({ method: 'GET', url: '/repository/metadata/1.root.json' })).statusCode).toBe(404);
    });
  });

  describe('rollouts', () => {
    it('only support and admin create one; it records who and the ticket, in the rollout and the audit log', async () => {
      for (const role of ['viewer', 'technician'] as const) expect((await f.call(role, 'POST', '/v1/rollouts', body())).status).toBe(403);
      const res = await f.call('support', 'POST', '/v1/rollouts', body({ ticket: 'SUP-100' }));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ state: 'draft', createdBy: expect.stringMatching(/^support-user#/), ticket: 'SUP-100', canary: 1, percents: [25, 100], errorThresholdPct: 10 });
      expect(res.body.progress.total.pending).toBe(3);
      expect(res.body.progress.waves.map((w: Json) => w.pending)).toEqual([1, 0, 2]);
      expect((await audit('rollout.create', res.body.id))[0]).toMatchObject({ actorRole: 'support', ticket: 'SUP-100', detail: expect.objectContaining({ status: 201, version: '1.2.1' }) });
      await f.call('admin', 'POST', `/v1/rollouts/${res.body.id}/cancel`, {});
    });

    it('refuses an unknown artifact, an empty target and bad waves with coded errors', async () => {
      expect((await f.call('admin', 'POST', '/v1/rollouts', body({ targetName: 'missing.tar.gz' }))).body.error.code).toBe('ARTIFACT_NOT_FOUND');
      expect((await f.call('admin', 'POST', '/v1/rollouts', body({ target: { tags: ['nobody'] } }))).body.error.code).toBe('ROLLOUT_TARGET_EMPTY');
      expect((await f.call('admin', 'POST', '/v1/rollouts', body({ waves: { canary: 1, percents: [50, 40, 100] } }))).body.error.code).toBe('ROLLOUT_WAVES_INVALID');
      expect((await f.call('admin', 'POST', '/v1/rollouts', body({ waves: { canary: 1, percents: [50] } }))).body.error.code).toBe('ROLLOUT_WAVES_INVALID');
      expect((await f.call('admin', 'POST', '/v1/rollouts', body({ version: 'latest' }))).body.error.code).toBe('API_VALIDATION_FAILED');
    });

    it('start, pause, resume, cancel: states, conflicts, progress, abort jobs, audit rows', async () => {
      await cancelLive();
      const created = (await f.call('support', 'POST', '/v1/rollouts', body({ waves: { canary: 0, percents: [100] }, ticket: 'SUP-9' }))).body;
      const id = created.id as string;
      expect((await f.call('support', 'POST', `/v1/rollouts/${id}/resume`, {})).body.error.code).toBe('ROLLOUT_STATE_CONFLICT');
      const started = (await f.call('support', 'POST', `/v1/rollouts/${id}/start`, {})).body;
      expect(started.state).toBe('running');
      expect(started.progress.total).toMatchObject({ scheduled: 3, pending: 0 });
      expect(started.progress.waves[0].scheduled).toBe(3);
      const paused = (await f.call('support', 'POST', `/v1/rollouts/${id}/pause`, {})).body;
      expect(paused.state).toBe('paused');
      expect((await f.call('support', 'POST', `/v1/rollouts/${id}/pause`, {})).status).toBe(409);
      expect((await f.call('admin', 'POST', `/v1/rollouts/${id}/resume`, {})).body.state).toBe('running');
      const cancelled = (await f.call('admin', 'POST', `/v1/rollouts/${id}/cancel`, { ticket: 'SUP-9' })).body;
      expect(cancelled.state).toBe('cancelled');
      expect(cancelled.finishedAt).not.toBeNull();
      const boxes = (await f.call('viewer', 'GET', `/v1/rollouts/${id}/boxes`)).body.boxes;
      expect(boxes.every((b: Json) => b.state === 'scheduled' && /\.a1$/.test(b.jobId))).toBe(true);
      expect((await f.svc.api.ctx.rolloutStore.boxes(id)).every((b) => b.abortSent)).toBe(true);
      for (const action of ['start', 'pause', 'resume', 'cancel']) expect((await audit(`rollout.${action}`, id)).length, action).toBeGreaterThan(0);
      expect((await audit('rollout.cancel', id))[0]).toMatchObject({ actorRole: 'admin', ticket: 'SUP-9' });
    });

    it('publishes the retained install job, then an abort job on cancel', async () => {
      await cancelLive();
      const { password } = await enrollBox(f, 'box-a4', 'club-a');
      const box = await connectBox(f.mqttUrl, 'box-a4', password);
      try {
        const id = (await f.call('admin', 'POST', '/v1/rollouts', body({ target: { boxes: ['box-a4'] }, waves: { canary: 0, percents: [100] }, start: true }))).body.id as string;
        const install = nextMessage(box, topicFor('updateJob', 'box-a4'), (m) => m.rolloutId === id && m.action === 'install');
        await box.subscribeAsync(topicFor('updateJob', 'box-a4'), { qos: 1 });
        // Retained: a box subscribing after the publish still gets it.
        expect(await install).toMatchObject({ version: '1.2.1', targetName: 'resabox-1.2.1-rbx-a1.tar.gz', hardware: 'rbx-a1', channel: 'stable', downloadOnly: false, installWindow: null, jobId: `${id}.box-a4.a1` });
        const abort = nextMessage(box, topicFor('updateJob', 'box-a4'), (m) => m.rolloutId === id && m.action === 'abort');
        await f.call('admin', 'POST', `/v1/rollouts/${id}/cancel`, {});
        // Same jobId as the install: the box aborts only the job it runs.
        expect(await abort).toMatchObject({ jobId: `${id}.box-a4.a1` });
      } finally {
        await box.endAsync();
      }
    });

    it('a second live rollout over the same boxes is refused at start', async () => {
      await cancelLive();
      const a = (await f.call('admin', 'POST', '/v1/rollouts', body({ start: true }))).body.id;
      const b = (await f.call('admin', 'POST', '/v1/rollouts', body())).body.id;
      const res = await f.call('admin', 'POST', `/v1/rollouts/${b}/start`, {});
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('ROLLOUT_TARGET_BUSY');
      await f.call('admin', 'POST', `/v1/rollouts/${a}/cancel`, {});
      expect((await f.call('admin', 'POST', `/v1/rollouts/${b}/start`, {})).body.state).toBe('running');
    });

    it('does not schedule a box whose club is open; a box tagged later joins the last wave', async () => {
      await cancelLive();
      await f.call('admin', 'PUT', '/v1/boxes/box-o1/tags', { tags: ['pilot'] });
      const r = (await f.call('admin', 'POST', '/v1/rollouts', body({ target: { tags: ['pilot'] }, waves: { canary: 0, percents: [50, 100] }, start: true }))).body;
      expect(r.progress.total).toMatchObject({ pending: 1, scheduled: 0 });
      await f.svc.api.ctx.rollouts.tick();
      expect((await f.call('viewer', 'GET', `/v1/rollouts/${r.id}`)).body.progress.total.pending).toBe(1);
      await f.call('admin', 'PUT', '/v1/boxes/box-late/tags', { tags: ['pilot'] });
      await f.svc.api.ctx.rollouts.tick();
      const late = (await f.call('viewer', 'GET', `/v1/rollouts/${r.id}/boxes`)).body.boxes.find((b: Json) => b.boxId === 'box-late');
      expect(late).toMatchObject({ joinedLate: true, wave: 2, state: 'pending' });
    });

    it('a box update history is readable by every role, and unknown ids are coded 404s', async () => {
      const h = await f.call('viewer', 'GET', '/v1/boxes/box-a1/updates');
      expect(h.status).toBe(200);
      expect(h.body.rollouts.length).toBeGreaterThan(0);
      expect((await f.call('viewer', 'GET', '/v1/boxes/nobox/updates')).body.error.code).toBe('BOX_NOT_FOUND');
      expect((await f.call('viewer', 'GET', '/v1/rollouts/ro-0000000000000000')).body.error.code).toBe('ROLLOUT_NOT_FOUND');
      expect((await f.call('admin', 'POST', '/v1/rollouts/ro-0000000000000000/pause', {})).body.error.code).toBe('ROLLOUT_NOT_FOUND');
    });
  });
});
