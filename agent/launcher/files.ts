import { join } from 'node:path';

/**
 * The files the launcher and the running agent share under the box's root directory.
 * Plain JSON written atomically; each has one writer at a time, as noted.
 *
 *   <root>/current               symlink -> releases/<version>  (installer, launcher on rollback)
 *   <root>/releases/<version>/   one unpacked bundle per release
 *   <root>/launcher/trial.json   the release on trial (agent writes it before the switch;
 *                                the launcher sets verdict "passed"; the agent may set "abort")
 *   <root>/launcher/rollback.json why the launcher rolled back (launcher writes; the
 *                                previous agent reports it to the fleet, then deletes it)
 *   <root>/launcher/health.json  the running agent's health and self-test (agent writes)
 */
export interface TrialRecord {
  jobId: string;
  rolloutId: string;
  fromVersion: string;
  toVersion: string;
  startedAt: number;
  verdict: 'pending' | 'passed' | 'abort';
}

export interface RollbackRecord {
  jobId: string;
  rolloutId: string;
  fromVersion: string;
  toVersion: string;
  reason: { code: string; message: string };
  at: number;
}

export interface SelfTestResult {
  ok: boolean;
  /** Each check the agent ran: devices answering, journal writable, broker reachable. */
  checks: { name: string; ok: boolean; detail?: string }[];
}

export interface HealthRecord {
  version: string;
  pid: number;
  ts: number;
  /** null until the self-test has finished. */
  selfTest: SelfTestResult | null;
}

export const launcherPaths = (root: string) => ({
  current: join(root, 'current'),
  releases: join(root, 'releases'),
  trial: join(root, 'launcher', 'trial.json'),
  rollback: join(root, 'launcher', 'rollback.json'),
  health: join(root, 'launcher', 'health.json'),
});

/** Exit code with which an agent asks the launcher to start `current` again (a release switch). */
export const RESTART_EXIT_CODE = 75;
