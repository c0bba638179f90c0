import { randomUUID } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { launcherPaths, type RollbackRecord, type TrialRecord } from '../launcher/files.ts';
import { currentVersion, switchCurrent } from '../launcher/releases.ts';
import { downloadWithResume, verifyDownload } from './download.ts';
import { readJson, writeJsonAtomic } from './durable.ts';
import { UPDATE_ERRORS, updateError, UpdateFailure, type UpdateError, type UpdateErrorCode } from './errors.ts';
import { checkTargetFits } from './fit.ts';
import type { MachineState, UpdateEvent } from './machine.ts';
import type { UpdateRecord } from './record.ts';
import { repositoryUrls, resolveTarget, type VerifiedTarget } from './trust.ts';
import { readReleaseManifest, releaseDir, unpackRelease } from './unpack.ts';
import type { UpdaterOptions } from './options.ts';

export interface EffectContext extends UpdaterOptions {
  record: UpdateRecord;
  signal: AbortSignal;
  save(): Promise<void>;
  progress(p: number): Promise<void>;
  waitForInstallOrder(): Promise<void>;
}

/**
 * The entry effect of each state. Each is idempotent (a restart re-runs the effect of
 * the saved state) and only returns the outcome; the table in machine.ts decides what
 * comes next.
 */
export async function runEffect(state: MachineState, c: EffectContext): Promise<UpdateEvent> {
  switch (state) {
    case 'queued':
      return queued(c);
    case 'downloading':
      return downloading(c);
    case 'verifying':
      return verifying(c);
    case 'staged':
      if (c.record.job.downloadOnly) await abortable(c, c.waitForInstallOrder());
      return { type: 'install-now' };
    case 'waiting-window':
      return waitingWindow(c);
    case 'installing':
      return installing(c);
    case 'restarting':
      return restarting(c);
    case 'trial':
      return trial(c);
    case 'committed':
      await committed(c);
      return { type: 'job' };
    case 'rolled-back':
      await rolledBack(c);
      return { type: 'job' };
    case 'failed':
    case 'aborted':
      await discardNewRelease(c);
      return { type: 'job' };
    case 'idle':
      throw new Error('idle has no effect: it waits for a job');
  }
}

const paths = (c: EffectContext) => ({ ...launcherPaths(c.root), part: join(c.root, 'update', 'downloads', `${c.record.job.targetName}.part`) });

function sleep(c: EffectContext, ms: number): Promise<void> {
  return abortable(c, new Promise<void>((resolve) => c.clock.setTimeout(resolve, ms)));
}

function abortable<T>(c: EffectContext, p: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (c.signal.aborted) return reject(new Error('aborted'));
    c.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    p.then(resolve, reject);
  });
}

function queued(c: EffectContext): UpdateEvent {
  const job = c.record.job;
  if (job.hardware !== c.box.hardware) return { type: 'fail', error: updateError('UPDATE_WRONG_HARDWARE', `job for ${job.hardware}, box is ${c.box.hardware}`) };
  return { type: 'accepted' };
}

const RETRYABLE = new Set(['UPDATE_TUF_UNREACHABLE', 'UPDATE_TARGET_TRUNCATED']);

async function downloading(c: EffectContext): Promise<UpdateEvent> {
  const job = c.record.job;
  const target: VerifiedTarget = await resolveTarget({ repositoryUrl: job.repositoryUrl, metadataDir: join(c.root, 'update', 'tuf'), trustAnchor: c.trustAnchor }, job.targetName);
  checkTargetFits(target, c.box, job.version);
  c.record.target = target;
  await c.save();
  let lastReported = -1;
  const attempts = c.downloadAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      await downloadWithResume({
        url: repositoryUrls(job.repositoryUrl).targets + encodeURIComponent(target.name),
        partPath: paths(c).part,
        length: target.length,
        signal: c.signal,
        onProgress: (received, length) => {
          const tenth = Math.floor((received / length) * 10);
          if (tenth > lastReported) {
            lastReported = tenth;
            void c.progress(received / length);
          }
        },
      });
      return { type: 'downloaded' };
    } catch (e) {
      if (c.signal.aborted || !(e instanceof UpdateFailure) || !RETRYABLE.has(e.error.code) || attempt >= attempts) throw e;
      c.log.info({ attempt, code: e.error.code }, 'download interrupted, resuming');
      await sleep(c, Math.min(60_000, 1000 * 2 ** attempt));
    }
  }
}

async function verifying(c: EffectContext): Promise<UpdateEvent> {
  const target = c.record.target;
  if (!target) throw new UpdateFailure(updateError('UPDATE_INTERRUPTED', 'no verified target recorded'));
  const want = { version: c.record.job.version, hardware: c.box.hardware };
  const existing = await readReleaseManifest(releaseDir(c.root, want.version));
  if (existing?.version === want.version && existing.hardware === want.hardware) return { type: 'verified' };
  const part = paths(c).part;
  try {
    await verifyDownload(part, target);
  } catch (e) {
    await rm(part, { force: true });
    throw e;
  }
  await unpackRelease(c.root, part, want);
  await rm(part, { force: true });
  return { type: 'verified' };
}

function windowOpen(c: EffectContext): boolean {
  const w = c.record.job.installWindow;
  if (!w) return true;
  const now = c.clock.now();
  if (w.notBefore !== null && now < w.notBefore) return false;
  const last = c.lastPassAt();
  return w.idleMinutes === null || last === null || now - last >= w.idleMinutes * 60_000;
}

async function waitingWindow(c: EffectContext): Promise<UpdateEvent> {
  while (!windowOpen(c)) await sleep(c, c.pollMs ?? 15_000);
  return { type: 'window-open' };
}

async function installing(c: EffectContext): Promise<UpdateEvent> {
  const { job, fromVersion } = c.record;
  const p = paths(c);
  const trial = await readJson<TrialRecord>(p.trial);
  if (!trial || trial.jobId !== job.jobId) await writeJsonAtomic(p.trial, { jobId: job.jobId, rolloutId: job.rolloutId, fromVersion, toVersion: job.version, startedAt: c.clock.now(), verdict: c.record.abortRequested ? 'abort' : 'pending' } satisfies TrialRecord);
  await switchCurrent(c.root, job.version);
  return { type: 'switched' };
}

/** The launcher's reason in plain words first (the catalog's text), its own detail after. */
const reasonOf = (rb: RollbackRecord): UpdateError => (rb.reason.code in UPDATE_ERRORS ? updateError(rb.reason.code as UpdateErrorCode, rb.reason.message) : { code: rb.reason.code as UpdateErrorCode, message: rb.reason.message });

async function rollbackFor(c: EffectContext): Promise<RollbackRecord | null> {
  const rb = await readJson<RollbackRecord>(paths(c).rollback);
  return rb && rb.jobId === c.record.job.jobId ? rb : null;
}

function restarting(c: EffectContext): Promise<UpdateEvent> {
  return pollAfterSwitch(c, async () => {
    if (c.box.runningVersion === c.record.job.version) return { type: 'booted-new' };
    const rb = await rollbackFor(c);
    if (rb) return { type: 'rolled-back', error: reasonOf(rb) };
    if ((await currentVersion(c.root)) !== c.record.job.version) await switchCurrent(c.root, c.record.job.version);
    c.requestRestart();
    return new Promise<UpdateEvent>(() => undefined); // this process is on its way out
  });
}

/** After the switch there is no `fail` way out: I/O errors are logged and the poll goes on. */
async function pollAfterSwitch(c: EffectContext, step: () => Promise<UpdateEvent | null>): Promise<UpdateEvent> {
  for (;;) {
    try {
      const outcome = await step();
      if (outcome) return outcome;
    } catch (e) {
      c.log.warn({ state: c.record.state, err: (e as Error).message }, 'update poll failed; retrying');
    }
    await new Promise<void>((resolve) => c.clock.setTimeout(resolve, c.pollMs ?? 1000));
  }
}

function trial(c: EffectContext): Promise<UpdateEvent> {
  const p = paths(c);
  const onNew = c.box.runningVersion === c.record.job.version;
  return pollAfterSwitch(c, async () => {
    // The release being rolled back is about to be stopped: the previous release, started
    // next, reports the rollback (its effect may otherwise race the launcher's SIGTERM and be lost).
    const rb = await rollbackFor(c);
    if (rb) return onNew ? null : { type: 'rolled-back', error: reasonOf(rb) };
    const t = await readJson<TrialRecord>(p.trial);
    if (c.record.abortRequested && t && t.verdict === 'pending') await writeJsonAtomic(p.trial, { ...t, verdict: 'abort' } satisfies TrialRecord);
    else if (t?.verdict === 'passed' && !c.record.abortRequested && onNew) return { type: 'trial-passed' };
    else if (!t && !onNew) return { type: 'rolled-back', error: updateError('UPDATE_INTERRUPTED', 'the previous release runs again without a rollback record') };
    return null;
  });
}

/** Keeps the running release and the one before it; removes older ones and leftovers. */
async function committed(c: EffectContext): Promise<void> {
  await rm(paths(c).trial, { force: true });
  const keep = new Set([c.record.job.version, c.record.fromVersion]);
  const dir = launcherPaths(c.root).releases;
  for (const name of await readdir(dir).catch(() => [] as string[])) if (!keep.has(name)) await rm(join(dir, name), { recursive: true, force: true });
}

async function rolledBack(c: EffectContext): Promise<void> {
  const rb = await rollbackFor(c);
  const error = c.record.error ?? updateError('UPDATE_INTERRUPTED');
  await c.publishEvent({
    v: 1,
    eventId: `update-rolled-back-${randomUUID()}`,
    ts: c.clock.now(),
    kind: 'update.rolled-back',
    severity: 'warning',
    message: `update to ${c.record.job.version} rolled back to ${c.record.fromVersion}: ${error.code}`,
    data: { jobId: c.record.job.jobId, rolloutId: c.record.job.rolloutId, fromVersion: c.record.fromVersion, toVersion: c.record.job.version, code: error.code, reason: error.message },
  });
  if (rb) await rm(paths(c).rollback, { force: true });
  await rm(paths(c).trial, { force: true });
}

async function discardNewRelease(c: EffectContext): Promise<void> {
  await rm(paths(c).part, { force: true });
  const v = c.record.job.version;
  // A failure right after the switch must not leave `current` on an untried release.
  if ((await currentVersion(c.root)) === v && c.box.runningVersion !== v) {
    await switchCurrent(c.root, c.record.fromVersion);
    await rm(paths(c).trial, { force: true });
  }
  if ((await currentVersion(c.root)) !== v && v !== c.box.runningVersion) await rm(releaseDir(c.root, v), { recursive: true, force: true });
  await rm(`${releaseDir(c.root, v)}.unpacking`, { recursive: true, force: true });
}
