import { afterEach, describe, expect, it } from 'vitest';
import { currentVersion } from '../../agent/launcher/releases.ts';
import { boxFinished, fleetWithLaunchedBox, publishAgentRelease, startRollout, type FleetAndBox } from '../support/launched-box.ts';
import { until } from '../support/uplink-e2e.ts';

/**
 * A rollout from the fleet (embedded aedes, API, repository server) to a box running the
 * real agent under the real launcher, with simulated reader, turnstile and printer: the
 * box downloads and verifies through TUF, switches, the new agent passes its self-test,
 * the launcher passes its trial, the box commits, and the fleet shows it done. And the
 * other way: a release whose self-test fails is rolled back, and the fleet says why.
 */
let env: FleetAndBox | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('a rollout to the real agent under the real launcher', { timeout: 300_000 }, () => {
  it('installs, switches, passes the self-test (printer out of paper still answers), commits; the fleet shows the box done', async () => {
    env = await fleetWithLaunchedBox();
    const { f, r, box } = env;
    box.printer.setPaper('end');
    const id = await startRollout(f, box.boxId, await publishAgentRelease(f, r, box.root, '1.1.0'), '1.1.0');
    expect(await boxFinished(f, id, box)).toMatchObject({ state: 'succeeded', updateState: 'committed', lastError: null });
    expect((await f.call('viewer', 'GET', `/v1/rollouts/${id}`)).body.state).toBe('completed');
    expect(await currentVersion(box.root)).toBe('1.1.0');
    await until(async () => ((await f.call('viewer', 'GET', `/v1/boxes/${box.boxId}/updates`)).body.agentVersion === '1.1.0' ? true : undefined), 'the box reports 1.1.0', 30_000);
    // The new release serves badges: an unknown one is decided (refused) and journaled.
    const before = box.decisions().length;
    await until(() => {
      box.badge(4242);
      return box.decisions().length > before ? true : undefined;
    }, 'a decision by the new release');
  });

  it('rolls back a release whose self-test fails; the fleet shows rolled-back with the reason', async () => {
    env = await fleetWithLaunchedBox();
    const { f, r, box } = env;
    const id = await startRollout(f, box.boxId, await publishAgentRelease(f, r, box.root, '1.2.0', { broken: true }), '1.2.0');
    const done = await boxFinished(f, id, box);
    expect(done).toMatchObject({ state: 'rolled-back', updateState: 'rolled-back', lastError: { code: 'UPDATE_TRIAL_SELF_TEST' } });
    expect(done.lastError.message).toContain('tripod-entry');
    expect(await currentVersion(box.root)).toBe('1.0.0');
    const history = await until(async () => {
      const h = (await f.call('viewer', 'GET', `/v1/boxes/${box.boxId}/updates`)).body;
      return h.rollbackEvents.length > 0 ? h : undefined;
    }, 'the rolled-back event stored');
    expect(history.agentVersion).toBe('1.0.0');
    expect(history.rollbackEvents[0]).toMatchObject({ kind: 'update.rolled-back' });
    expect((await f.call('viewer', 'GET', `/v1/rollouts/${id}`)).body.state).toBe('halted');
  });

  it('a cancel during the trial reaches the agent as an abort: the launcher rolls back, the fleet shows UPDATE_ABORTED', async () => {
    env = await fleetWithLaunchedBox('box-upd', { trialS: 120 });
    const { f, r, box } = env;
    const id = await startRollout(f, box.boxId, await publishAgentRelease(f, r, box.root, '1.3.0'), '1.3.0');
    const boxRow = async () => (await f.call('viewer', 'GET', `/v1/rollouts/${id}/boxes`)).body.boxes[0];
    await until(async () => ((await boxRow()).updateState === 'trial' ? true : undefined), 'the new release on trial', 120_000);
    expect((await f.call('support', 'POST', `/v1/rollouts/${id}/cancel`, {})).body.state).toBe('cancelled');
    expect(await boxFinished(f, id, box)).toMatchObject({ state: 'rolled-back', updateState: 'rolled-back', lastError: { code: 'UPDATE_ABORTED' } });
    expect(await currentVersion(box.root)).toBe('1.0.0');
  });
});
