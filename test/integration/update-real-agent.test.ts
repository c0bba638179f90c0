import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { currentVersion } from '../../agent/launcher/releases.ts';
import { enrollBox, startTestFleet, type Json, type TestFleet } from '../support/fleet-harness.ts';
import { launchBox, publishAgentRelease, type LaunchedBox } from '../support/launched-box.ts';
import { makeRepository, type TestRepository } from '../support/update-fixtures.ts';
import { until } from '../support/uplink-e2e.ts';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const CLOSED = Object.fromEntries(DAYS.map((d) => [d, []]));

/**
 * A rollout from the fleet (embedded aedes, API, repository server) to a box running the
 * real agent under the real launcher, with simulated reader, turnstile and printer: the
 * box downloads and verifies through TUF, switches, the new agent passes its self-test,
 * the launcher passes its trial, the box commits, and the fleet shows it done. And the
 * other way: a release whose self-test fails is rolled back, and the fleet says why.
 */
let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

async function setup(): Promise<{ f: TestFleet; r: TestRepository; box: LaunchedBox }> {
  const r = await makeRepository();
  const f = await startTestFleet({ http: { port: 0, host: '127.0.0.1' } });
  cleanup.push(() => rm(r.base, { recursive: true, force: true }), () => f.close());
  expect((await f.call('admin', 'PUT', '/v1/clubs/club-upd', { name: 'Update club', timezone: 'Europe/Paris', openingHours: CLOSED })).status).toBe(200);
  const { password } = await enrollBox(f, 'box-upd', 'club-upd');
  const box = await launchBox({ boxId: 'box-upd', password, mqttUrl: f.mqttUrl, anchor: r.anchor, version: '1.0.0' });
  cleanup.push(() => box.stop());
  await until(async () => (((b: Json) => (b.online === true && b.agentVersion === '1.0.0' ? true : undefined))((await f.call('viewer', 'GET', '/v1/boxes/box-upd')).body)), `box online with 1.0.0\n${box.output()}`, 90_000);
  return { f, r, box };
}

async function rollout(f: TestFleet, targetName: string, version: string): Promise<string> {
  const created = await f.call('support', 'POST', '/v1/rollouts', { name: `to ${version}`, version, targetName, hardware: 'rbx-a1', target: { boxes: ['box-upd'] }, waves: { canary: 1, percents: [100] }, start: true });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

const boxRow = async (f: TestFleet, id: string): Promise<Json> => (await f.call('viewer', 'GET', `/v1/rollouts/${id}/boxes`)).body.boxes[0];

/** The box's row once it succeeded, failed or rolled back; on a timeout, the box's logs say why. */
async function finished(f: TestFleet, id: string, box: LaunchedBox): Promise<Json> {
  try {
    return await until(async () => {
      const row = await boxRow(f, id);
      return ['succeeded', 'failed', 'rolled-back'].includes(row.state) ? row : undefined;
    }, 'the box finished its update', 240_000);
  } catch (e) {
    const record = await readFile(join(box.root, 'update', 'state.json'), 'utf8').catch(() => 'none');
    throw new Error(`${(e as Error).message}; box row ${JSON.stringify(await boxRow(f, id))}; history ${JSON.stringify((await f.call('viewer', 'GET', '/v1/boxes/box-upd/updates')).body)}; update record ${record}\n${box.output()}`);
  }
}

describe('a rollout to the real agent under the real launcher', { timeout: 300_000 }, () => {
  it('installs, switches, passes the self-test (printer out of paper still answers), commits; the fleet shows the box done', async () => {
    const { f, r, box } = await setup();
    box.printer.setPaper('end');
    const name = await publishAgentRelease(f, r, box.root, '1.1.0');
    const id = await rollout(f, name, '1.1.0');
    const done = await finished(f, id, box);
    expect(done).toMatchObject({ state: 'succeeded', updateState: 'committed', lastError: null });
    const view = (await f.call('viewer', 'GET', `/v1/rollouts/${id}`)).body;
    expect(view.state).toBe('completed');
    expect(await currentVersion(box.root)).toBe('1.1.0');
    await until(async () => ((await f.call('viewer', 'GET', '/v1/boxes/box-upd/updates')).body.agentVersion === '1.1.0' ? true : undefined), 'the box reports 1.1.0', 30_000);
    // The new release serves badges: an unknown one is decided (refused) and journaled.
    const before = box.decisions().length;
    await until(() => {
      box.badge(4242);
      return box.decisions().length > before ? true : undefined;
    }, 'a decision by the new release');
  });

  it('rolls back a release whose self-test fails; the fleet shows rolled-back with the reason', async () => {
    const { f, r, box } = await setup();
    const name = await publishAgentRelease(f, r, box.root, '1.2.0', { broken: true });
    const id = await rollout(f, name, '1.2.0');
    const done = await finished(f, id, box);
    expect(done).toMatchObject({ state: 'rolled-back', updateState: 'rolled-back', lastError: { code: 'UPDATE_TRIAL_SELF_TEST' } });
    expect(done.lastError.message).toContain('tripod-entry');
    expect(await currentVersion(box.root)).toBe('1.0.0');
    const history = await until(async () => {
      const h = (await f.call('viewer', 'GET', '/v1/boxes/box-upd/updates')).body;
      return h.rollbackEvents.length > 0 ? h : undefined;
    }, 'the rolled-back event stored');
    expect(history.agentVersion).toBe('1.0.0');
    expect(history.rollbackEvents[0]).toMatchObject({ kind: 'update.rolled-back' });
    expect((await f.call('viewer', 'GET', `/v1/rollouts/${id}`)).body.state).toBe('halted');
  });
});
