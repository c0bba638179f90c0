import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import type { DeviceStatus } from '../devices/device.ts';
import { deviceAnswers, runSelfTest } from './self-test.ts';

const dev = (deviceId: string, state: DeviceStatus['state'], code?: string): DeviceStatus => ({ deviceId, kind: 'printer', state, since: 0, ...(code ? { lastError: { code, message: code, at: 0 } } : {}) });

describe('self-test', () => {
  it.each([
    ['online', dev('p', 'online'), true],
    ['degraded (paper near end)', dev('p', 'degraded'), true],
    ['out of paper: it answered', dev('p', 'offline', 'PRINTER_PAPER_END'), true],
    ['cover open: it answered', dev('p', 'offline', 'PRINTER_COVER_OPEN'), true],
    ['no reply', dev('p', 'offline', 'PRINTER_NO_REPLY'), false],
    ['link lost', dev('r', 'offline', 'TRANSPORT_LINK_LOST'), false],
    ['still starting', dev('r', 'starting'), false],
  ])('a device %s counts as answering: %s', (_name, status, answers) => {
    expect(deviceAnswers(status)).toBe(answers);
  });

  it('passes as soon as devices, journal and broker are all fine', async () => {
    const clock = new ManualClock();
    let connected = false;
    const pending = runSelfTest({ devices: () => [dev('p', 'offline', 'PRINTER_PAPER_END')], checkJournalWritable: () => undefined, brokerConnected: () => connected }, { clock, deadlineMs: 10_000, pollMs: 100 });
    await Promise.resolve();
    clock.advance(100);
    connected = true;
    clock.advance(100);
    const result = await pending;
    expect(result).toEqual({ ok: true, checks: [{ name: 'devices', ok: true }, { name: 'journal-writable', ok: true }, { name: 'broker-reachable', ok: true }] });
  });

  it('at the deadline, reports each failing check with what failed', async () => {
    const clock = new ManualClock();
    const pending = runSelfTest(
      {
        devices: () => [dev('tripod-entry', 'offline', 'MODBUS_TIMEOUT'), dev('p', 'online')],
        checkJournalWritable: () => {
          throw Object.assign(new Error('disk I/O error'), { code: 'JOURNAL_WRITE_FAILED' });
        },
        brokerConnected: () => false,
      },
      { clock, deadlineMs: 1000, pollMs: 250 },
    );
    for (let i = 0; i < 5; i++) {
      await Promise.resolve();
      clock.advance(250);
    }
    const result = await pending;
    expect(result.ok).toBe(false);
    expect(result.checks).toEqual([
      { name: 'devices', ok: false, detail: 'tripod-entry offline MODBUS_TIMEOUT' },
      { name: 'journal-writable', ok: false, detail: 'JOURNAL_WRITE_FAILED: disk I/O error' },
      { name: 'broker-reachable', ok: false, detail: 'not connected to the fleet broker' },
    ]);
  });
});
