import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { DoctorReport } from '../../protocol/mqtt/index.ts';
import type { Device, DeviceProbe, DeviceStatus } from '../devices/device.ts';
import { configWithoutSecrets, runDoctor, type DoctorTarget } from './doctor.ts';

const validReport = Compile(DoctorReport);
const MiB = 1024 * 1024;

function device(id: string, kind: Device['kind'], status: Partial<DeviceStatus>, probe?: () => Promise<DeviceProbe>): Device {
  return {
    id,
    kind,
    start: async () => undefined,
    stop: async () => undefined,
    status: () => ({ deviceId: id, kind, state: 'online', since: 0, ...status }),
    onStatus: () => () => undefined,
    ...(probe ? { probe } : {}),
  };
}

function target(clock: ManualClock, overrides: Partial<DoctorTarget> = {}): DoctorTarget {
  return {
    devices: () => [
      device('reader-entry', 'reader', {}),
      device('turnstile-entry', 'turnstile', {}, async () => {
        clock.advance(12);
        return { answered: true };
      }),
    ],
    checkJournalWritable: () => undefined,
    journalStats: () => ({ unsent: 3, lastSeq: 40 }),
    oldestUnsentTs: () => clock.now() - 2_000,
    diskSpace: async () => ({ freeBytes: 900 * MiB, totalBytes: 4000 * MiB }),
    rightsVersion: () => 12,
    clockOffsetMs: () => 150,
    brokerRoundTrip: async () => undefined,
    ...overrides,
  };
}

const byKind = (report: DoctorReport, kind: string, subject: string | null = null) => report.checks.find((c) => c.kind === kind && c.subject === subject);

describe('box doctor', () => {
  it('reports every check with its timing; a healthy box is all ok and the report fits the contract', async () => {
    const clock = new ManualClock();
    const report = await runDoctor(target(clock), { fleetRightsVersion: 12, issuedAt: clock.now() }, { clock });
    expect(validReport.Errors(report)).toEqual([]);
    expect(report.checks.map((c) => `${c.kind}:${c.subject ?? '-'}:${c.status}`)).toEqual([
      'reader:reader-entry:ok',
      'turnstile:turnstile-entry:ok',
      'journal:-:ok',
      'disk:-:ok',
      'clock:-:ok',
      'broker:-:ok',
      'rights:-:ok',
      'backlog:-:ok',
    ]);
    expect(byKind(report, 'turnstile', 'turnstile-entry')).toMatchObject({ durationMs: 12, facts: { checkedBy: 'probe' } });
    expect(byKind(report, 'reader', 'reader-entry')).toMatchObject({ facts: { checkedBy: 'status', state: 'online' } });
  });

  it('names a silent printer: a probe that never answers fails at the timeout, and nothing hangs', async () => {
    const clock = new ManualClock();
    const silent = device('printer', 'printer', { state: 'offline' }, () => new Promise<DeviceProbe>(() => undefined));
    const running = runDoctor(target(clock, { devices: () => [silent] }), { fleetRightsVersion: 12, issuedAt: clock.now() }, { clock, timeoutMs: 2000 });
    await new Promise((r) => setImmediate(r));
    clock.advance(2000);
    const report = await running;
    expect(byKind(report, 'printer', 'printer')).toMatchObject({ status: 'fail', code: 'DOCTOR_DEVICE_TIMEOUT', durationMs: 2000 });
  });

  it("passes a driver's own codes on: no reply fails, a reported condition warns", async () => {
    const clock = new ManualClock();
    const devices = () => [
      device('printer', 'printer', {}, async () => ({ answered: false, code: 'PRINTER_NO_REPLY', message: 'printer does not answer status requests' })),
      device('printer-2', 'printer', {}, async () => ({ answered: true, code: 'PRINTER_PAPER_END', message: 'paper roll is empty' })),
      device('reader-exit', 'reader', { state: 'offline', lastError: { code: 'EM4100_LINK_DOWN', message: 'serial port closed', at: 0 } }),
    ];
    const report = await runDoctor(target(clock, { devices }), { fleetRightsVersion: 12, issuedAt: clock.now() }, { clock });
    expect(report.checks.slice(0, 3).map((c) => [c.subject, c.status, c.code])).toEqual([
      ['printer', 'fail', 'PRINTER_NO_REPLY'],
      ['printer-2', 'warn', 'PRINTER_PAPER_END'],
      ['reader-exit', 'fail', 'EM4100_LINK_DOWN'],
    ]);
  });

  it('flags the box checks: journal, disk, clock, broker, rights behind, stuck backlog', async () => {
    const clock = new ManualClock();
    const failing = target(clock, {
      devices: () => [],
      checkJournalWritable: () => {
        throw Object.assign(new Error('disk I/O error'), { code: 'JOURNAL_WRITE_FAILED' });
      },
      diskSpace: async () => ({ freeBytes: 10 * MiB, totalBytes: 4000 * MiB }),
      clockOffsetMs: () => null,
      brokerRoundTrip: async () => {
        throw Object.assign(new Error('not connected to the fleet broker'), { code: 'UPLINK_NOT_CONNECTED' });
      },
      rightsVersion: () => 9,
      oldestUnsentTs: () => clock.now() - 2 * 3600_000,
    });
    const report = await runDoctor(failing, { fleetRightsVersion: 12, issuedAt: clock.now() - 45_000 }, { clock });
    expect(report.checks.map((c) => [c.kind, c.status, c.code])).toEqual([
      ['journal', 'fail', 'JOURNAL_WRITE_FAILED'],
      ['disk', 'fail', 'DOCTOR_DISK_FULL'],
      ['clock', 'fail', 'DOCTOR_CLOCK_OFFSET'],
      ['broker', 'fail', 'UPLINK_NOT_CONNECTED'],
      ['rights', 'warn', 'DOCTOR_RIGHTS_BEHIND'],
      ['backlog', 'fail', 'DOCTOR_BACKLOG_STUCK'],
    ]);
    expect(byKind(report, 'rights')?.facts).toEqual({ boxVersion: 9, fleetVersion: 12 });
    expect(byKind(report, 'clock')?.facts).toEqual({ offsetMs: 45_000, source: 'command' });
    expect(validReport.Errors(report)).toEqual([]);
  });

  it('carries the configuration without the password a broker URL may hold', () => {
    const config = { box: { id: 'lyon-01' }, fleet: { url: 'mqtts://lyon-01:s3cret@fleet.example:8883', credentialsFile: 'etc/creds.json' }, localUi: { deskPinRef: 'file:desk.pin' } };
    expect(configWithoutSecrets(config)).toEqual({ box: { id: 'lyon-01' }, fleet: { url: 'mqtts://***@fleet.example:8883', credentialsFile: 'etc/creds.json' }, localUi: { deskPinRef: 'file:desk.pin' } });
    expect(JSON.stringify(configWithoutSecrets(config))).not.toContain('s3cret');
  });
});
