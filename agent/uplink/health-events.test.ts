import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { decode, encode, type EventMessage } from '../../protocol/mqtt/index.ts';
import type { Device, DeviceStatus } from '../devices/device.ts';
import { EventSource } from './events.ts';
import { HealthReporter } from './health.ts';

const dir = mkdtempSync(join(tmpdir(), 'uplink-health-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeDevice(id: string, kind: DeviceStatus['kind']) {
  let status: DeviceStatus = { deviceId: id, kind, state: 'online', since: 0 };
  const listeners = new Set<(s: DeviceStatus) => void>();
  const device: Device = {
    id,
    kind,
    start: async () => undefined,
    stop: async () => undefined,
    status: () => status,
    onStatus: (l) => (listeners.add(l), () => listeners.delete(l)),
  };
  const set = (patch: Partial<DeviceStatus>) => {
    status = { ...status, ...patch };
    for (const l of listeners) l(status);
  };
  return { device, set };
}

describe('HealthReporter', () => {
  it('builds a health message the contract accepts, with disk, the hottest thermal zone, journal backlog and devices', async () => {
    const thermal = join(dir, 'thermal');
    for (const [zone, milli] of [['thermal_zone0', '41000'], ['thermal_zone1', '52500']]) {
      mkdirSync(join(thermal, zone as string), { recursive: true });
      writeFileSync(join(thermal, zone as string, 'temp'), `${milli}\n`);
    }
    const clock = new ManualClock();
    const reader = fakeDevice('reader-entry', 'reader');
    const health = new HealthReporter({
      agentVersion: '1.2.3',
      clock,
      dataDir: dir,
      thermalDir: thermal,
      rights: () => ({ version: 7, appliedAt: clock.now() - 30_000 }),
      journal: () => ({ lastSeq: 120, ackedSeq: 100 }),
      oldestUnsentTs: () => clock.now() - 5000,
      devices: () => [reader.device.status()],
      lanes: () => [{ laneId: 'entry', state: 'idle', occupancy: 3 }],
      clockOffsetMs: () => -12,
    });
    clock.advance(10_000);
    const m = await health.collect();
    expect(decode('health', encode('health', m)).ok).toBe(true);
    expect(m).toMatchObject({ agentVersion: '1.2.3', uptimeS: 10, temperatureC: 52.5, clockOffsetMs: -12, rights: { version: 7, ageS: 30 }, journal: { lastSeq: 120, backlog: 20 } });
    expect(m.disk.totalBytes).toBeGreaterThan(0);
    expect(m.devices).toEqual([{ deviceId: 'reader-entry', kind: 'reader', state: 'online', since: 0 }]);
    const none = new HealthReporter({ ...{ agentVersion: 'x', clock, dataDir: dir, thermalDir: join(dir, 'missing') }, rights: () => ({ version: 0, appliedAt: null }), journal: () => ({ lastSeq: 0, ackedSeq: 0 }), oldestUnsentTs: () => null, devices: () => [], lanes: () => [], clockOffsetMs: () => null });
    expect((await none.collect()).temperatureC).toBeNull();
  });
});

describe('EventSource', () => {
  it('turns device state changes, printer paper and journal alerts into contract events', () => {
    const clock = new ManualClock();
    const sent: EventMessage[] = [];
    const events = new EventSource(clock, (e) => sent.push(e));
    const reader = fakeDevice('reader-entry', 'reader');
    const printer = fakeDevice('printer', 'printer');
    events.watchDevices([reader.device, printer.device]);
    reader.set({ state: 'offline', lastError: { code: 'TRANSPORT_LINK_LOST', message: 'unplugged', at: 0 } });
    reader.set({ state: 'online' });
    printer.set({ detail: { paper: 'near-end' } });
    printer.set({ detail: { paper: 'end' } });
    events.onJournalAlert({ kind: 'backlog-near-bound', unsent: 800, maxRows: 1000 });
    expect(sent.map((e) => [e.kind, e.severity, e.deviceId ?? null])).toEqual([
      ['device.offline', 'warning', 'reader-entry'],
      ['device.online', 'info', 'reader-entry'],
      ['printer.paper-near-end', 'warning', 'printer'],
      ['printer.paper-end', 'critical', 'printer'],
      ['journal.backlog-high', 'warning', null],
    ]);
    for (const e of sent) expect(decode('events', encode('events', e)).ok).toBe(true);
    expect(new Set(sent.map((e) => e.eventId)).size).toBe(sent.length);
    events.stop();
    reader.set({ state: 'offline' });
    expect(sent).toHaveLength(5);
  });
});
