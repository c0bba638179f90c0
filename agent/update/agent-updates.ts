import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventMessage, UpdateJobMessage, UpdateStatusMessage } from '../../protocol/mqtt/index.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { DeviceStatus } from '../devices/device.ts';
import { runSelfTest } from '../box/self-test.ts';
import type { SelfTestResult } from '../launcher/files.ts';
import { reportHealth } from '../launcher/health.ts';
import { updateError } from './errors.ts';
import { trustAnchorPath } from './trust-anchor.ts';
import { readReleaseManifest } from './unpack.ts';
import { Updater } from './updater.ts';
import { loadRecord } from './record.ts';
import { compareVersions, isVersion } from './version.ts';

/** The release this process runs, as the launcher started it (agent/launcher/launcher.ts sets the env). */
export interface RunningRelease {
  root: string;
  dir: string;
  version: string;
  hardware: string;
  /** The release kept to roll back to (previousRelease()), null when there is none. */
  previous: string | null;
}

/** null when the agent was not started by the launcher (no root, or no valid manifest in its release). */
export async function runningRelease(env: NodeJS.ProcessEnv): Promise<RunningRelease | null> {
  const root = env.RESABOX_ROOT;
  const dir = env.RESABOX_RELEASE_DIR;
  if (!root || !dir) return null;
  const manifest = await readReleaseManifest(dir);
  if (!manifest || (env.RESABOX_RELEASE_VERSION && env.RESABOX_RELEASE_VERSION !== manifest.version)) return null;
  return { root, dir, version: manifest.version, hardware: manifest.hardware, previous: await previousRelease(root, manifest.version) };
}

/**
 * The release the box ran before the one it runs now, kept to roll back to: the one a
 * committed update came from, else the newest other release on disk that is not the
 * target of an update that failed or rolled back. null when there is none.
 */
export async function previousRelease(root: string, running: string): Promise<string | null> {
  const record = await loadRecord(join(root, 'update', 'state.json'));
  if (record?.state === 'committed' && record.job.version === running) return record.fromVersion;
  const refused = record && record.job.version !== running && ['rolled-back', 'failed', 'aborted'].includes(record.state) ? record.job.version : null;
  const others = (await readdir(join(root, 'releases')).catch(() => [] as string[])).filter((v) => v !== running && v !== refused && isVersion(v));
  return others.sort(compareVersions).at(-1) ?? null;
}

/** What the update wiring needs of the uplink: both sends queue while the broker is away. */
export interface UpdateUplink {
  publishUpdateStatus(status: UpdateStatusMessage): void;
  publishEvent(event: EventMessage): void;
  readonly connected: boolean;
}

export interface AgentUpdatesOptions {
  release: RunningRelease;
  uplink: UpdateUplink;
  journal: { lastPassAt(): number | null; checkWritable(): void };
  devices: () => DeviceStatus[];
  clock: Clock;
  log: Logger;
  /** Stops the agent cleanly and exits with RESTART_EXIT_CODE (the launcher starts `current`). */
  requestRestart: () => void;
  selfTestDeadlineMs?: number;
  pollMs?: number;
}

/**
 * The agent's side of updates: the update machine fed by `update/job`, reporting through
 * the uplink, and the start-up self-test that tells the launcher whether this release is
 * healthy. `start()` goes before the uplink connects, so a resumed update is under way
 * before the retained job comes again.
 */
export class AgentUpdates {
  readonly updater: Updater;

  constructor(private readonly o: AgentUpdatesOptions) {
    this.updater = new Updater({
      root: o.release.root,
      box: { hardware: o.release.hardware, runningVersion: o.release.version },
      trustAnchor: trustAnchorPath(o.release.root),
      clock: o.clock,
      log: o.log,
      publishStatus: (s) => o.uplink.publishUpdateStatus(s),
      publishEvent: (e) => o.uplink.publishEvent(e),
      requestRestart: o.requestRestart,
      lastPassAt: () => o.journal.lastPassAt(),
      ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
    });
  }

  async start(): Promise<void> {
    await this.updater.start();
  }

  offerJob(job: UpdateJobMessage): void {
    this.updater.offerJob(job).catch((e: unknown) => this.o.log.error({ err: e, jobId: job.jobId }, 'update job not taken'));
  }

  /** Runs the self-test and writes it to health.json for the launcher; resolves with it. */
  async selfTestAndReport(): Promise<SelfTestResult> {
    const o = this.o;
    const result = await runSelfTest(
      { devices: o.devices, checkJournalWritable: () => o.journal.checkWritable(), brokerConnected: () => o.uplink.connected },
      { clock: o.clock, ...(o.selfTestDeadlineMs !== undefined ? { deadlineMs: o.selfTestDeadlineMs } : {}) },
    );
    if (result.ok) o.log.info({ version: o.release.version }, 'self-test passed');
    else o.log.warn({ version: o.release.version, checks: result.checks.filter((c) => !c.ok) }, 'self-test failed');
    await reportHealth(o.release.root, o.release.version, result, o.clock.now());
    return result;
  }
}

/**
 * An agent started without the launcher cannot switch releases: it answers an install
 * job at once with a coded failure (the fleet retries or marks the box failed) instead of
 * leaving the rollout to time out. Abort jobs need no answer.
 */
export function refuseUpdateJob(job: UpdateJobMessage, runningVersion: string, uplink: UpdateUplink, clock: Clock): void {
  if (job.action !== 'install' || !isVersion(runningVersion)) return;
  uplink.publishUpdateStatus({ v: 1, jobId: job.jobId, rolloutId: job.rolloutId, state: 'failed', fromVersion: runningVersion, toVersion: job.version, progress: null, error: updateError('UPDATE_NO_LAUNCHER'), ts: clock.now() });
}
