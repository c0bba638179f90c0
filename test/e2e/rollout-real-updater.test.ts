import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Updater } from '../../agent/update/updater.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { encode, topicFor, type UpdateJobMessage } from '../../protocol/mqtt/index.ts';
import { connectBox, enrollBox, eventually, startTestFleet, type Json, type TestFleet } from '../support/fleet-harness.ts';
import { makeBundle, makeRepository, publishBundle, type TestRepository } from '../support/update-fixtures.ts';

const octet = { 'content-type': 'application/octet-stream' };
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const ALL_DAY = Object.fromEntries(DAYS.map((d) => [d, [['00:00', '24:00']]]));
const CLOSED = Object.fromEntries(DAYS.map((d) => [d, []]));

/**
 * The fleet and the real box update code end to end: a TUF repository signed with the
 * `resabox bundle` code is uploaded into the fleet, and the agent's Updater, fed by a real
 * MQTT connection, verifies and downloads from the fleet's repository server. Download now
 * (prefetch while the club is open), install later (when it closes): the box reaches the
 * restart request (the launcher's part is tested on the box side).
 */
describe('rollout to the real box updater', () => {
  let f: TestFleet;
  let r: TestRepository;
  let client: MqttClient;
  let root: string;
  let restartRequested = false;
  let targetName = '';

  beforeAll(async () => {
    r = await makeRepository();
    targetName = await publishBundle(r, await makeBundle(r.base, { version: '1.1.0' }), { version: '1.1.0' });
    f = await startTestFleet({ http: { port: 0, host: '127.0.0.1' } });
    expect((await f.call('support', 'PUT', `/v1/updates/artifacts/${targetName}`, readFileSync(join(r.repo, 'targets', targetName)), octet)).status).toBe(201);
    for (const file of readdirSync(join(r.repo, 'metadata'))) {
      expect((await f.call('support', 'PUT', `/v1/updates/metadata/${file}`, readFileSync(join(r.repo, 'metadata', file)), octet)).status, file).toBe(201);
    }
    expect((await f.call('admin', 'PUT', '/v1/clubs/club-e2e', { name: 'E2E', timezone: 'Europe/Paris', openingHours: ALL_DAY })).status).toBe(200);
    const { password } = await enrollBox(f, 'box-e2e', 'club-e2e');
    root = await mkdtemp(join(tmpdir(), 'resabox-e2e-box-'));
    await mkdir(join(root, 'releases', '1.0.0'), { recursive: true });
    await symlink(join('releases', '1.0.0'), join(root, 'current'));
    client = await connectBox(f.mqttUrl, 'box-e2e', password);
    const updater = new Updater({
      root,
      box: { hardware: 'rbx-a1', runningVersion: '1.0.0' },
      trustAnchor: r.anchor,
      clock: systemClock,
      log: silentLogger,
      publishStatus: async (s) => void (await client.publishAsync(topicFor('updateStatus', 'box-e2e'), Buffer.from(encode('updateStatus', s)), { qos: 1 })),
      publishEvent: async (e) => void (await client.publishAsync(topicFor('events', 'box-e2e'), Buffer.from(encode('events', e)), { qos: 1 })),
      requestRestart: () => {
        restartRequested = true;
      },
      lastPassAt: () => null,
      pollMs: 1000,
    });
    await updater.start();
    client.on('message', (_t, payload) => {
      if (payload.length > 0) void updater.offerJob(JSON.parse(payload.toString('utf8')) as UpdateJobMessage);
    });
    await client.subscribeAsync(topicFor('updateJob', 'box-e2e'), { qos: 1 });
  }, 120_000);

  afterAll(async () => {
    await client?.endAsync();
    await f?.close();
    if (root) await rm(root, { recursive: true, force: true });
    if (r) await rm(r.base, { recursive: true, force: true });
  });

  it('prefetches while the club is open, installs once it closes', async () => {
    const created = (await f.call('support', 'POST', '/v1/rollouts', { name: 'e2e', version: '1.1.0', targetName, hardware: 'rbx-a1', target: { boxes: ['box-e2e'] }, waves: { canary: 0, percents: [100] }, prefetch: true, start: true })).body;
    const boxRow = async (): Promise<Json> => (await f.call('viewer', 'GET', `/v1/rollouts/${created.id}/boxes`)).body.boxes[0];
    const staged = await eventually(async () => ((await boxRow()).updateState === 'staged' ? boxRow() : undefined), 'box staged the prefetched bundle', 6000);
    expect(staged).toMatchObject({ state: 'pending', jobId: `${created.id}.box-e2e.p`, lastError: null });
    expect(restartRequested).toBe(false);

    expect((await f.call('admin', 'PUT', '/v1/clubs/club-e2e', { name: 'E2E', timezone: 'Europe/Paris', openingHours: CLOSED })).status).toBe(200);
    await f.svc.api.ctx.rollouts.tick();
    const installing = await eventually(async () => (restartRequested ? boxRow() : undefined), 'the box asked for its restart into 1.1.0', 6000);
    expect(installing).toMatchObject({ state: 'in-progress', jobId: `${created.id}.box-e2e.a1`, attempts: 1 });
    expect(['installing', 'restarting']).toContain(installing.updateState);
  }, 120_000);
});
