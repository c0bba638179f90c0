import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PassJournal } from '../../agent/journal/pass-journal.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { freePort } from '../support/mosquitto.ts';
import { enrollOn, startE2eBox, startFleetAt, storedPasses, trafficPass, until, type E2eBox, type E2eFleet } from '../support/uplink-e2e.ts';

/**
 * Faults between a box and the fleet, with real parts: the embedded broker on a TCP port,
 * SQLite files on both sides, the fleet CLI and a box agent as child processes where a
 * process is killed. Every test ends by checking the fleet's file: each journaled pass is
 * there exactly once, and rows were stored in seq order.
 */
const root = mkdtempSync(join(tmpdir(), 'uplink-faults-'));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const repo = new URL('../../', import.meta.url).pathname;
function spawnTs(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: repo, env: { ...process.env, LOG_LEVEL: 'error', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.stderr?.resume();
  return child;
}
const exited = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r())));
const killHard = async (c: ChildProcess) => {
  c.kill('SIGKILL');
  await exited(c);
};

function prefill(dataDir: string, count: number): void {
  mkdirSync(dataDir, { recursive: true });
  const journal = new PassJournal({ path: join(dataDir, 'journal.db'), clock: systemClock, logger: silentLogger, groupMaxRows: 1000 });
  for (let i = 1; i <= count; i++) void journal.append(trafficPass(i));
  journal.close();
}

function expectExactlyOnce(fleetDb: string, boxId: string, total: number): void {
  const s = storedPasses(fleetDb, boxId);
  expect(s).toEqual({ count: total, distinct: total, minSeq: 1, maxSeq: total, inOrder: true });
}

describe('uplink under faults', { timeout: 600_000 }, () => {
  it('broker stopped during traffic, then restarted on the same port: every pass arrives exactly once, in order', async () => {
    const dir = join(root, 'broker-restart');
    let fleet: E2eFleet = await startFleetAt(join(dir, 'fleet'));
    const port = Number(new URL(fleet.mqttUrl).port);
    const password = await enrollOn(fleet, 'box-broker', 'club-f');
    const box: E2eBox = await startE2eBox({ dir: join(dir, 'box'), boxId: 'box-broker', url: fleet.mqttUrl, password, clock: systemClock });
    let n = 0;
    const traffic = setInterval(() => void box.box.journal.append(trafficPass(++n)), 2);
    try {
      await until(() => (box.box.journal.stats().ackedSeq > 200 ? true : undefined), 'passes flowing');
      await fleet.close();
      const during = box.box.journal.stats();
      await until(() => (box.box.journal.stats().lastSeq > during.lastSeq + 300 ? true : undefined), 'traffic while the broker is down');
      expect(box.box.journal.stats().ackedSeq).toBe(during.ackedSeq);
      fleet = await startFleetAt(join(dir, 'fleet'), port);
      await until(() => (box.uplink.connected && box.box.journal.stats().ackedSeq > during.lastSeq ? true : undefined), 'the backlog draining after the restart');
    } finally {
      clearInterval(traffic);
    }
    box.box.journal.flush();
    await until(() => (box.box.journal.stats().ackedSeq === box.box.journal.stats().lastSeq ? true : undefined), 'every pass acknowledged');
    const total = box.box.journal.stats().lastSeq;
    await box.stop();
    await fleet.close();
    expectExactlyOnce(join(dir, 'fleet', 'fleet.db'), 'box-broker', total);
  });

  it('fleet killed with SIGKILL mid-ingest and restarted: no pass lost or doubled', async () => {
    const dir = join(root, 'fleet-kill');
    const fleetDir = join(dir, 'fleet');
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const setup = await startFleetAt(fleetDir, mqttPort);
    const password = await enrollOn(setup, 'box-fkill', 'club-f');
    await setup.close();
    const total = 20_000;
    prefill(join(dir, 'box', 'data'), total);
    const serve = () => spawnTs('bin/resabox-fleet.js', ['serve', '--data-dir', fleetDir, '--mqtt-port', String(mqttPort), '--http-port', String(httpPort), '--http-host', '127.0.0.1']);
    let fleetProc = serve();
    const box = await startE2eBox({ dir: join(dir, 'box'), boxId: 'box-fkill', url: `mqtt://127.0.0.1:${mqttPort}`, password, clock: systemClock });
    const db = join(fleetDir, 'fleet.db');
    await until(() => (storedPasses(db, 'box-fkill').count > 1000 ? true : undefined), 'ingest under way', 120_000);
    await killHard(fleetProc);
    const atKill = storedPasses(db, 'box-fkill').count;
    expect(atKill).toBeLessThan(total);
    fleetProc = serve();
    await until(() => (box.box.journal.stats().ackedSeq === total ? true : undefined), 'every pass acknowledged after the restart', 240_000);
    await box.stop();
    fleetProc.kill('SIGTERM');
    await exited(fleetProc);
    expectExactlyOnce(db, 'box-fkill', total);
  });

  it('agent killed with SIGKILL mid-upload 20 times: no pass lost or doubled', async () => {
    const dir = join(root, 'agent-kill');
    const fleet = await startFleetAt(join(dir, 'fleet'));
    const password = await enrollOn(fleet, 'box-akill', 'club-f');
    const dataDir = join(dir, 'box');
    const total = 40_000;
    prefill(dataDir, total);
    const db = join(dir, 'fleet', 'fleet.db');
    const stored = () => storedPasses(db, 'box-akill').count;
    const agent = () => spawnTs('test/e2e/support/uplink-agent-child.ts', [dataDir, fleet.mqttUrl, 'box-akill'], { BOX_PASSWORD: password, BATCH_SIZE: '100' });
    let kills = 0;
    for (let i = 0; i < 20 && stored() < total; i++) {
      const before = stored();
      const child = agent();
      // Killed once it is uploading: some batches stored since it started, others in flight.
      await until(() => (stored() > before || child.exitCode !== null ? true : undefined), 'upload progress', 120_000);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 100)));
      await killHard(child);
      kills++;
    }
    expect(kills).toBe(20);
    expect(stored()).toBeLessThan(total);
    const last = agent();
    await until(() => (stored() === total ? true : undefined), 'every pass stored', 240_000);
    last.kill('SIGTERM');
    await exited(last);
    await fleet.close();
    expectExactlyOnce(db, 'box-akill', total);
    const journal = new PassJournal({ path: join(dataDir, 'journal.db'), clock: systemClock, logger: silentLogger });
    // The last agent's cursor reached the end (or will on its next start: the fleet has every row).
    expect(journal.stats().lastSeq).toBe(total);
    journal.close();
  });
});
