import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { testDriverBox } from '../../test/support/test-driver-box.ts';
import { validateConfig } from '../config/load.ts';
import { buildBox } from './build-box.ts';
import { DriverRegistry } from './driver-registry.ts';
import { osdpDriver } from './osdp-driver.ts';

const dir = mkdtempSync(join(tmpdir(), 'build-box-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(name: string, secureChannel = '') {
  const raw = {
    box: { id: 'club-x' },
    fleet: { url: 'mqtt://127.0.0.1:1883', credentialsFile: 'creds.json' },
    dataDir: 'unused',
    buses: [
      { id: 'osdp', transport: { kind: 'mock', name: 'osdp' } },
      { id: 'io', transport: { kind: 'mock', name: 'io' } },
    ],
    devices: [
      { id: 'reader', kind: 'osdp', bus: 'osdp', address: 1, ...(secureChannel ? { secureChannel: { keyRef: secureChannel } } : {}) },
      { id: 'tripod', kind: 'turnstile', bus: 'io', address: 1, coils: { unlockIn: 0, unlockOut: 1 }, inputs: { passIn: 0, passOut: 1, fireLoopClosed: 2, ready: 3, alarm: 4 }, mode: 'pulse', pulseMs: 200, passageWindowMs: 5000 },
      { id: 'desk', kind: 'printer', transport: { kind: 'mock', name: 'desk' }, columns: 42 },
    ],
    lanes: [{ id: 'entry', kind: 'entry', zone: 'gym', turnstile: 'tripod', readers: [{ reader: 'reader', direction: 'in' }] }],
    printer: 'desk',
    localUi: { port: 8080 },
    offline: { rightsMaxAgeHours: 72, whenRightsExpired: 'deny-all' },
  };
  const valid = validateConfig(raw);
  if (!valid.ok) throw new Error(JSON.stringify(valid.error));
  return { config: valid.value, file: join(dir, name, 'box.yaml'), dataDir: join(dir, name, 'data') };
}

describe('buildBox', () => {
  it('builds every configured device through the registry, the stores and the lanes', async () => {
    const clock = new ManualClock();
    const devices = testDriverBox();
    const built = buildBox({ loaded: config('ok'), drivers: devices.drivers, createTransport: devices.createTransport, clock, logger: silentLogger });
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect([...built.value.devices.entries()].map(([id, d]) => [id, d.kind])).toEqual([
      ['reader', 'reader'],
      ['tripod', 'turnstile'],
      ['desk', 'printer'],
    ]);
    expect(built.value.lanes.lane('entry').phase).toBe('idle');
    expect(existsSync(join(dir, 'ok', 'data', 'journal.db'))).toBe(true);
    await built.value.stop();
  });

  it('names every device without a driver and creates nothing on disk', () => {
    const clock = new ManualClock();
    const readersOnly = new DriverRegistry().register('osdp', osdpDriver);
    const built = buildBox({ loaded: config('no-driver'), drivers: readersOnly, createTransport: testDriverBox().createTransport, clock, logger: silentLogger });
    expect(built).toEqual({
      ok: false,
      error: [
        { code: 'BOX_NO_DRIVER', message: 'device "tripod": no driver for kind "turnstile" in this agent (available: osdp)' },
        { code: 'BOX_NO_DRIVER', message: 'device "desk": no driver for kind "printer" in this agent (available: osdp)' },
      ],
    });
    expect(existsSync(join(dir, 'no-driver'))).toBe(false);
  });

  it('reports a driver refusing its options (an OSDP key that is not there, install mode off)', () => {
    const clock = new ManualClock();
    const devices = testDriverBox();
    const built = buildBox({ loaded: config('no-key', 'file:keys/missing.scbk'), drivers: devices.drivers, createTransport: devices.createTransport, clock, logger: silentLogger });
    expect(built).toEqual({ ok: false, error: [{ code: 'BOX_DRIVER_FAILED', message: expect.stringContaining('secure channel key not found') }] });
  });
});
