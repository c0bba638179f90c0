import type { Clock } from '../../platform/clock.ts';
import type { SelfTestResult } from '../launcher/files.ts';
import type { DeviceStatus } from '../devices/device.ts';

/**
 * A printer that replied with a condition (paper out, cover open, its own error flag) is
 * answering: the box can still serve badges, and a release is not rolled back because a
 * roll of paper ran out. No reply and a lost link are not answers.
 */
const ANSWERED_OFFLINE = new Set(['PRINTER_PAPER_END', 'PRINTER_COVER_OPEN', 'PRINTER_HARDWARE_ERROR']);

export function deviceAnswers(s: DeviceStatus): boolean {
  if (s.state === 'online' || s.state === 'degraded') return true;
  return s.state === 'offline' && s.lastError !== undefined && ANSWERED_OFFLINE.has(s.lastError.code);
}

export interface SelfTestTarget {
  devices: () => DeviceStatus[];
  /** Throws (a coded error) when the journal cannot commit a write. */
  checkJournalWritable: () => void;
  brokerConnected: () => boolean;
}

export interface SelfTestOptions {
  clock: Clock;
  /** Devices and the broker get this long to come up (a reader's secure channel, a reconnect). */
  deadlineMs?: number;
  pollMs?: number;
}

function checkOnce(t: SelfTestTarget): SelfTestResult {
  const silent = t.devices().filter((d) => !deviceAnswers(d));
  let journalError: string | null = null;
  try {
    t.checkJournalWritable();
  } catch (e) {
    journalError = `${(e as { code?: string }).code ?? 'JOURNAL_WRITE_FAILED'}: ${(e as Error).message}`;
  }
  const connected = t.brokerConnected();
  const checks: SelfTestResult['checks'] = [
    { name: 'devices', ok: silent.length === 0, ...(silent.length ? { detail: silent.map((d) => `${d.deviceId} ${d.state}${d.lastError ? ` ${d.lastError.code}` : ''}`).join(', ') } : {}) },
    { name: 'journal-writable', ok: journalError === null, ...(journalError ? { detail: journalError } : {}) },
    { name: 'broker-reachable', ok: connected, ...(connected ? {} : { detail: 'not connected to the fleet broker' }) },
  ];
  return { ok: checks.every((c) => c.ok), checks };
}

/**
 * The agent's start-up self-test, what the launcher judges a release on trial by: every
 * device answering, the journal writable, the fleet broker reachable. Passes as soon as
 * all three hold; at the deadline, reports what still fails.
 */
export async function runSelfTest(t: SelfTestTarget, o: SelfTestOptions): Promise<SelfTestResult> {
  const deadline = o.clock.monotonic() + (o.deadlineMs ?? 20_000);
  for (;;) {
    const result = checkOnce(t);
    if (result.ok || o.clock.monotonic() >= deadline) return result;
    await new Promise<void>((resolve) => o.clock.setTimeout(resolve, o.pollMs ?? 250));
  }
}
