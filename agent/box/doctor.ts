import type { Clock } from '../../platform/clock.ts';
import type { DoctorCheck, DoctorCheckKind, DoctorReport } from '../../protocol/mqtt/index.ts';
import type { Device, DeviceProbe } from '../devices/device.ts';
import { deviceAnswers } from './self-test.ts';

/** What the doctor examines; the composition root binds it to the box and its uplink. */
export interface DoctorTarget {
  readonly devices: () => Iterable<Device>;
  /** One real, fsync'd journal write; throws a coded error when it cannot commit. */
  readonly checkJournalWritable: () => void;
  readonly journalStats: () => { readonly unsent: number; readonly lastSeq: number };
  readonly oldestUnsentTs: () => number | null;
  /** Free and total bytes of the file system holding the data folder. */
  readonly diskSpace: () => Promise<{ readonly freeBytes: number; readonly totalBytes: number }>;
  readonly rightsVersion: () => number;
  /** Box clock minus fleet clock, from the last pass ack; null before any. */
  readonly clockOffsetMs: () => number | null;
  /** Publishes one QoS 1 message and resolves once the broker acknowledged it; rejects when not connected. */
  readonly brokerRoundTrip: () => Promise<void>;
  /** The configuration the agent runs, secrets removed. */
  readonly config?: () => Record<string, unknown>;
}

export interface DoctorRequest {
  /** The club's rights version at the fleet when it sent the command. */
  readonly fleetRightsVersion: number | null;
  /** The fleet's clock when it sent the command: a bound on the offset when no pass ack gave one. */
  readonly issuedAt: number;
}

export interface DoctorOptions {
  readonly clock: Clock;
  /** A device or the broker not answering within this is a failed check (nothing hangs). */
  readonly timeoutMs?: number;
}

/** Thresholds of the checks (docs/agent.md, "Box doctor"). */
export const DOCTOR_LIMITS = {
  diskFailBytes: 50 * 1024 * 1024,
  diskWarnRatio: 0.1,
  clockWarnMs: 2_000,
  clockFailMs: 30_000,
  backlogWarn: 500,
  backlogFailAgeMs: 3600_000,
} as const;

type Facts = DoctorCheck['facts'];
type Outcome = Omit<DoctorCheck, 'kind' | 'subject' | 'durationMs'>;

const ok = (message: string, facts: Facts = {}): Outcome => ({ status: 'ok', code: null, message, facts });
const warn = (code: string, message: string, facts: Facts = {}): Outcome => ({ status: 'warn', code, message, facts });
const fail = (code: string, message: string, facts: Facts = {}): Outcome => ({ status: 'fail', code, message, facts });

/**
 * The box doctor (`diagnose` command): a self-test run now, every check timed. Devices are
 * asked for their status in parallel (a driver's probe, else the state its own polling
 * keeps), then the journal is written, the disk, clock, broker round trip, rights version
 * and pending backlog checked. No check waits longer than the timeout.
 */
export async function runDoctor(t: DoctorTarget, request: DoctorRequest, o: DoctorOptions): Promise<DoctorReport> {
  const { clock } = o;
  const timeoutMs = o.timeoutMs ?? 3000;
  const startedAt = clock.now();
  const begun = clock.monotonic();
  const timed = async (kind: DoctorCheckKind, subject: string | null, run: () => Outcome | Promise<Outcome>): Promise<DoctorCheck> => {
    const t0 = clock.monotonic();
    let outcome: Outcome;
    try {
      outcome = await run();
    } catch (e) {
      outcome = fail((e as { code?: string }).code ?? 'DOCTOR_CHECK_FAILED', (e as Error).message.slice(0, 500));
    }
    return { kind, subject, durationMs: round(clock.monotonic() - t0), ...outcome };
  };
  const devices = [...t.devices()].map((d) => timed(d.kind, d.id, () => deviceCheck(d, clock, timeoutMs)));
  const checks = await Promise.all([
    ...devices,
    timed('journal', null, () => {
      t.checkJournalWritable();
      return ok('the journal took a durable write');
    }),
    timed('disk', null, async () => diskCheck(await t.diskSpace())),
    timed('clock', null, () => clockCheck(t.clockOffsetMs(), clock.now() - request.issuedAt)),
    timed('broker', null, async () => {
      const answer = await withTimeout(t.brokerRoundTrip().then(() => true), timeoutMs, clock);
      return answer === undefined ? fail('DOCTOR_BROKER_NO_ACK', `the broker did not acknowledge within ${timeoutMs} ms`) : ok('the broker acknowledged a message');
    }),
    timed('rights', null, () => rightsCheck(t.rightsVersion(), request.fleetRightsVersion)),
    timed('backlog', null, () => backlogCheck(t.journalStats().unsent, t.oldestUnsentTs(), clock.now())),
  ]);
  return { v: 1, startedAt, durationMs: round(clock.monotonic() - begun), checks, ...(t.config ? { config: t.config() } : {}) };
}

/**
 * The box configuration without secrets: the file holds none inline (credentials, keys and
 * the desk PIN are references to files or variables), but a broker URL may carry a user
 * and password.
 */
export function configWithoutSecrets(config: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(config, (_key, value: unknown) => (typeof value === 'string' ? value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@') : value))) as Record<string, unknown>;
}

async function deviceCheck(d: Device, clock: Clock, timeoutMs: number): Promise<Outcome> {
  if (d.probe === undefined) {
    const s = d.status();
    const facts: Facts = { checkedBy: 'status', state: s.state, since: s.since };
    if (deviceAnswers(s)) return s.lastError && s.state !== 'online' ? warn(s.lastError.code, s.lastError.message, facts) : ok(`${d.kind} ${s.state}`, facts);
    return fail(s.lastError?.code ?? 'DOCTOR_DEVICE_SILENT', s.lastError?.message ?? `${d.kind} is ${s.state}`, facts);
  }
  const answer: DeviceProbe | undefined = await withTimeout(d.probe(), timeoutMs, clock);
  const facts: Facts = { checkedBy: 'probe', state: d.status().state };
  if (answer === undefined) return fail('DOCTOR_DEVICE_TIMEOUT', `no answer within ${timeoutMs} ms`, facts);
  if (!answer.answered) return fail(answer.code ?? 'DOCTOR_DEVICE_SILENT', answer.message ?? 'no answer', facts);
  return answer.code === undefined ? ok(`${d.kind} answered`, facts) : warn(answer.code, answer.message ?? answer.code, facts);
}

function diskCheck({ freeBytes, totalBytes }: { freeBytes: number; totalBytes: number }): Outcome {
  const facts: Facts = { freeBytes, totalBytes };
  const free = `${(freeBytes / 1024 / 1024).toFixed(0)} MiB free of ${(totalBytes / 1024 / 1024).toFixed(0)} MiB`;
  if (freeBytes < DOCTOR_LIMITS.diskFailBytes) return fail('DOCTOR_DISK_FULL', free, facts);
  if (totalBytes > 0 && freeBytes / totalBytes < DOCTOR_LIMITS.diskWarnRatio) return warn('DOCTOR_DISK_LOW', free, facts);
  return ok(free, facts);
}

/** The offset from the last pass ack; without one, box time minus the command's issue time (an upper bound: it includes transit). */
function clockCheck(fromAck: number | null, sinceIssued: number): Outcome {
  const offset = fromAck ?? sinceIssued;
  const facts: Facts = { offsetMs: offset, source: fromAck === null ? 'command' : 'pass-ack' };
  const text = `box clock ${offset >= 0 ? 'ahead of' : 'behind'} the fleet by ${Math.abs(offset)} ms`;
  if (Math.abs(offset) >= DOCTOR_LIMITS.clockFailMs) return fail('DOCTOR_CLOCK_OFFSET', text, facts);
  if (Math.abs(offset) >= DOCTOR_LIMITS.clockWarnMs) return warn('DOCTOR_CLOCK_OFFSET', text, facts);
  return ok(text, facts);
}

function rightsCheck(boxVersion: number, fleetVersion: number | null): Outcome {
  const facts: Facts = { boxVersion, fleetVersion };
  if (boxVersion === 0) return fail('DOCTOR_RIGHTS_NONE', 'the box holds no rights snapshot', facts);
  if (fleetVersion === null || boxVersion >= fleetVersion) return ok(`rights version ${boxVersion}${fleetVersion === null ? '' : `, the fleet's is ${fleetVersion}`}`, facts);
  return warn('DOCTOR_RIGHTS_BEHIND', `rights version ${boxVersion}, the fleet's is ${fleetVersion} (${fleetVersion - boxVersion} behind)`, facts);
}

function backlogCheck(unsent: number, oldestTs: number | null, now: number): Outcome {
  const ageMs = oldestTs === null ? 0 : Math.max(0, now - oldestTs);
  const facts: Facts = { unsent, oldestAgeMs: ageMs };
  const text = `${unsent} passes not yet acknowledged by the fleet`;
  if (unsent > 0 && ageMs >= DOCTOR_LIMITS.backlogFailAgeMs) return fail('DOCTOR_BACKLOG_STUCK', `${text}, the oldest ${Math.round(ageMs / 60_000)} min old`, facts);
  if (unsent >= DOCTOR_LIMITS.backlogWarn) return warn('DOCTOR_BACKLOG_HIGH', text, facts);
  return ok(text, facts);
}

/** The promise's value, or undefined once `ms` passed on the clock (the promise is left to settle on its own). */
async function withTimeout<T>(promise: Promise<T>, ms: number, clock: Clock): Promise<T | undefined> {
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = clock.setTimeout(() => resolve(undefined), ms);
  });
  // A late rejection after the timeout must not go unhandled.
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clock.clearTimeout(timer);
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
