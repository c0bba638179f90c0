import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BoxConfig } from '../config/schema.ts';
import { readJson, writeJsonAtomic } from '../update/durable.ts';
import type { RemoteConfigError } from './errors.ts';

export type ReportStatus = 'applied' | 'rejected' | 'trial' | 'rolled-back';

/** A configuration set from the fleet, and the box file it was set over. */
export interface AppliedConfig {
  version: number;
  config: BoxConfig;
  /** sha256 of the box's own file when this was applied: a file changed since wins. */
  baseFileSha: string;
}

/** A configuration the agent restarted with, and must see work before it is kept. */
export interface TrialConfig extends AppliedConfig {
  /** What runs again if it fails (null: the box's file). */
  previous: AppliedConfig | null;
  /** Changed devices: each must be online (or degraded) within the trial period. */
  devices: string[];
  /** Agent starts with it so far: one that keeps crashing is given up after MAX_TRIAL_BOOTS. */
  boots: number;
}

export interface LastOutcome {
  version: number;
  status: ReportStatus;
  at: number;
  error: RemoteConfigError | null;
  errors: { path: string; message: string }[];
  restarted: string[];
}

/** `<dataDir>/remote-config.json`, written atomically before every restart it causes. */
export interface RemoteConfigState {
  applied: AppliedConfig | null;
  trial: TrialConfig | null;
  last: LastOutcome | null;
}

export const MAX_TRIAL_BOOTS = 3;

export const statePath = (dataDir: string): string => join(dataDir, 'remote-config.json');

export async function loadState(dataDir: string): Promise<RemoteConfigState> {
  const s = await readJson<RemoteConfigState>(statePath(dataDir));
  return { applied: s?.applied ?? null, trial: s?.trial ?? null, last: s?.last ?? null };
}

export async function saveState(dataDir: string, s: RemoteConfigState): Promise<void> {
  await writeJsonAtomic(statePath(dataDir), s);
}

export async function fileSha(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}
