import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decode, encode, type ConfigDesiredMessage, type ConfigReportedMessage } from '../../protocol/mqtt/index.ts';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { loadConfigFile } from '../config/load.ts';
import type { BoxConfig } from '../config/schema.ts';
import type { DeviceStatus } from '../devices/device.ts';
import { configChanges } from './changes.ts';
import { openRemoteConfig, type RemoteConfig } from './remote-config.ts';

let dir: string;
let file: string;
let base: BoxConfig;
let clock: ManualClock;
let reports: ConfigReportedMessage[];
let restarts: number;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'resabox-remote-config-'));
  file = join(dir, 'box.yaml');
  await copyFile(new URL('../../examples/box.example.yaml', import.meta.url), file);
  const loaded = await loadConfigFile(file);
  if (!loaded.ok) throw new Error('example config invalid');
  base = loaded.value.config;
  clock = new ManualClock(1_800_000_000_000);
  reports = [];
  restarts = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One agent start: the file as loaded, the remote configuration opened over it. */
async function start() {
  const loaded = await loadConfigFile(file);
  if (!loaded.ok) throw new Error('config invalid');
  return openRemoteConfig(loaded.value, { dataDir: dir, clock, log: silentLogger, report: (m) => void reports.push(m), requestRestart: () => void restarts++, trialMs: 10_000, pollMs: 100 }, {});
}

const desired = (version: number, config: unknown): ConfigDesiredMessage => ({ v: 1, version, issuedAt: clock.now(), config: config as Record<string, unknown>, ticket: 'SUP-1' });
const withPulse = (ms: number): BoxConfig => ({ ...base, devices: base.devices.map((d) => (d.kind === 'turnstile' && d.id === 'tripod-entry' ? { ...d, pulseMs: ms } : d)) }) as BoxConfig;
const statuses = (state: DeviceStatus['state']) => () => base.devices.map((d) => ({ deviceId: d.id, kind: 'turnstile' as const, state: d.id === 'tripod-entry' ? state : 'online', since: 0, ...(state === 'offline' ? { lastError: { code: 'MODBUS_TIMEOUT', message: 'no reply', at: 0 } } : {}) }));
const last = () => reports.at(-1) as ConfigReportedMessage;

async function trialTo(remote: RemoteConfig, state: DeviceStatus['state']) {
  const done = remote.watchTrial(statuses(state));
  await clock.advanceAsync(11_000, 100);
  await done;
}

describe('remote configuration on the box', () => {
  it('reports the file it runs as version 0, valid against the contract', async () => {
    const { remote, effective } = await start();
    expect(effective.config).toEqual(base);
    remote.reportNow();
    expect(last()).toMatchObject({ version: 0, status: 'applied', runningVersion: 0, errors: [], error: null, config: base });
    expect(decode('configReported', encode('configReported', last())).ok).toBe(true);
  });

  it('refuses an invalid configuration with the --check errors, and one that changes the box id; a stale version is ignored', async () => {
    const { remote } = await start();
    await remote.onDesired(desired(1, { ...base, lanes: [{ ...base.lanes[0], turnstile: 'nope' }] }), 'x');
    expect(last()).toMatchObject({ version: 1, status: 'rejected', runningVersion: 0, error: { code: 'CONFIG_REMOTE_INVALID' } });
    expect(last().errors[0]).toMatchObject({ path: 'lanes[0].turnstile', message: expect.stringMatching(/^CONFIG_BAD_REFERENCE at lanes\[0\]\.turnstile/) });
    await remote.onDesired(desired(2, { ...base, box: { ...base.box, id: 'someone-else' } }), 'x');
    expect(last()).toMatchObject({ version: 2, status: 'rejected', error: { code: 'CONFIG_REMOTE_LOCKED', message: expect.stringContaining('box.id') } });
    const before = reports.length;
    await remote.onDesired(desired(2, withPulse(300)), 'x');
    expect(reports).toHaveLength(before);
    expect(restarts).toBe(0);
  });

  it('applies a change by restarting the agent, keeps it once the changed device is up, and runs it at the next start', async () => {
    const first = await start();
    await first.onDesired(desired(1, withPulse(300)));
    expect(restarts).toBe(1);
    expect(last()).toMatchObject({ version: 1, status: 'trial', runningVersion: 0, restarted: ['agent'] });
    expect(configChanges(base, withPulse(300)).devices).toEqual(['tripod-entry']);
    const second = await start();
    expect(second.remote.choice).toMatchObject({ version: 1, onTrial: true });
    expect(second.effective.config).toEqual(withPulse(300));
    await trialTo(second.remote, 'online');
    expect(last()).toMatchObject({ version: 1, status: 'applied', runningVersion: 1, restarted: ['agent'], config: withPulse(300) });
    const third = await start();
    expect(third.remote.choice).toMatchObject({ version: 1, onTrial: false });
    expect(third.effective.config).toEqual(withPulse(300));
  });

  it('rolls back to the previous configuration when a changed device does not come up, and says which and why', async () => {
    const first = await start();
    await first.onDesired(desired(1, withPulse(300)));
    const second = await start();
    await trialTo(second.remote, 'offline');
    expect(restarts).toBe(2);
    const third = await start();
    expect(third.remote.choice).toMatchObject({ version: 0, onTrial: false });
    expect(third.effective.config).toEqual(base);
    third.remote.reportNow();
    expect(last()).toMatchObject({ version: 1, status: 'rolled-back', runningVersion: 0, error: { code: 'CONFIG_REMOTE_DEVICE_DOWN', message: expect.stringContaining('tripod-entry offline MODBUS_TIMEOUT') } });
  });

  it('gives up on a configuration the agent keeps dying with, and a technician who edits the file takes the box back', async () => {
    const first = await start();
    await first.onDesired(desired(1, withPulse(300)));
    for (let i = 0; i < 3; i++) expect((await start()).remote.choice.onTrial).toBe(true);
    const after = await start();
    expect(after.remote.choice).toMatchObject({ version: 0, onTrial: false });
    after.remote.reportNow();
    expect(last()).toMatchObject({ status: 'rolled-back', error: { code: 'CONFIG_REMOTE_START_FAILED' } });
    await after.onDesired(desired(2, withPulse(350)));
    await trialTo((await start()).remote, 'online');
    expect((await start()).remote.choice.version).toBe(2);
    await writeFile(file, `${await readFile(file, 'utf8')}\n# edited on site\n`);
    expect((await start()).remote.choice).toMatchObject({ version: 0 });
  });
});
