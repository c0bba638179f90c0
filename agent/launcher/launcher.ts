import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import type { Clock, TimerHandle } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { readJson, writeJsonAtomic } from '../update/durable.ts';
import { readReleaseManifest } from '../update/unpack.ts';
import { launcherPaths, RESTART_EXIT_CODE, type HealthRecord, type RollbackRecord, type TrialRecord } from './files.ts';
import { currentVersion, switchCurrent } from './releases.ts';

export interface LauncherOptions {
  root: string;
  clock: Clock;
  log: Logger;
  /** A crash loop is this many crashes within `withinMs`. */
  crashLoop?: { crashes: number; withinMs: number };
  /** A release on trial must report healthy (health.json with its pid) within this time. */
  healthTimeoutMs?: number;
  /** ...and then keep running this long (from its start) before it is declared good. */
  trialMs?: number;
  restartDelayMs?: number;
  pollMs?: number;
  nodePath?: string;
  /** Node flags for the agent; default agentNodeArgs(). */
  nodeArgs?: readonly string[];
  spawn?: (command: string, args: string[], options: SpawnOptions) => ChildProcess;
  env?: NodeJS.ProcessEnv;
}

type Reason = RollbackRecord['reason'];

/** The agent's default old-generation cap (MB): `--agent-heap` of the launcher's command line. */
export const AGENT_HEAP_MB = 256;

/**
 * The agent's node flags (docs/updates.md, section 5). V8 sizes its heap for a machine with
 * memory to spare: 16 MB semi-spaces, and an old generation that may grow to 4 times what
 * survived the last full collection before the next one, under a 4 GB limit. A box agent
 * lives for months on little RAM and allocates a little per decision: 1 MB semi-spaces,
 * and an old-generation limit of `heapMb` (256: V8 then grows the heap by 1.3 times what
 * survives instead of up to 4, the difference between about 85 and 110 MB resident in
 * test/bench/demo-update; the rights index takes about 1.2 KB a member, so 256 MB holds
 * some 150,000 members: a box with more needs a larger `--agent-heap`).
 *
 * `--no-opt`: no TurboFan, V8's optimizing compiler (the interpreter and the baseline
 * compiler still run). Its compiles and optimized code kept the agent's resident size
 * growing for minutes under a steady load, past 100 MB in test/bench/agent-memory; without
 * it the agent stays about 10 MB lower and a decision still takes well under a millisecond
 * (the bench prints both). `optimize` (the launcher's `--agent-optimize`) gives it back.
 */
export function agentNodeArgs(heapMb = AGENT_HEAP_MB, optimize = false): string[] {
  return ['--max-semi-space-size=1', `--max-old-space-size=${heapMb}`, ...(optimize ? [] : ['--no-opt'])];
}

/**
 * The agent's environment defaults (an operator's own values win). glibc gives each thread
 * that allocates its own malloc arena; node's V8 and libuv worker threads each keep a few
 * MB there. Two arenas are plenty for one event loop.
 */
export const AGENT_ENV_DEFAULTS: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/**
 * The supervisor: runs `<root>/current/<entry>` as a child, restarts it when it exits,
 * and gives a new release (trial.json names it) a trial: it is rolled back to the
 * previous release if it crash-loops, never reports healthy, or fails its self-test.
 * Small and plain on purpose: it is the one part that is rarely updated.
 */
export class Launcher {
  private child: ChildProcess | null = null;
  private stopping = false;
  private crashes: number[] = [];
  private trial: TrialRecord | null = null;
  private trialStartedAt = 0;
  private healthySince: number | null = null;
  private poll: TimerHandle | null = null;
  private busy = false;
  private checking = false;
  private readonly p: ReturnType<typeof launcherPaths>;
  private readonly exited = new Set<() => void>();

  constructor(private readonly o: LauncherOptions) {
    this.p = launcherPaths(o.root);
  }

  async start(): Promise<void> {
    await this.finishInterruptedRollback();
    await this.launch();
    this.poll = this.o.clock.setInterval(() => void this.checkTrial(), this.o.pollMs ?? 250);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.o.clock.clearInterval(this.poll ?? undefined);
    await this.killChild();
  }

  get childPid(): number | null {
    return this.child?.pid ?? null;
  }

  /** A power cut between writing rollback.json and removing trial.json: finish the job. */
  private async finishInterruptedRollback(): Promise<void> {
    const rb = await readJson<RollbackRecord>(this.p.rollback);
    const t = await readJson<TrialRecord>(this.p.trial);
    if (rb && t && rb.jobId === t.jobId) {
      await switchCurrent(this.o.root, rb.fromVersion);
      await rm(this.p.trial, { force: true });
    }
  }

  private async launch(): Promise<void> {
    if (this.stopping) return;
    const version = await currentVersion(this.o.root);
    const t = await readJson<TrialRecord>(this.p.trial);
    const onTrial = t !== null && t.verdict !== 'passed' && t.toVersion === version;
    if (onTrial && (!this.trial || this.trial.jobId !== t.jobId)) {
      this.trial = t;
      this.trialStartedAt = this.o.clock.monotonic();
      this.healthySince = null;
      this.crashes = [];
      this.o.log.info({ version, from: t.fromVersion }, 'release on trial');
    } else if (!onTrial) this.trial = null;
    const manifest = version ? await readReleaseManifest(join(this.o.root, 'releases', version)) : null;
    if (!manifest) {
      if (this.trial) return this.rollback({ code: 'UPDATE_BAD_BUNDLE', message: `release ${version ?? '(none)'} has no valid manifest` });
      this.o.log.error({ version }, 'current release is not runnable; retrying');
      this.o.clock.setTimeout(() => void this.launch(), this.o.restartDelayMs ?? 1000);
      return;
    }
    const dir = join(this.o.root, 'releases', manifest.version);
    const spawn = this.o.spawn ?? nodeSpawn;
    const child = spawn(this.o.nodePath ?? process.execPath, [...(this.o.nodeArgs ?? agentNodeArgs()), join(dir, manifest.entry)], {
      cwd: dir,
      stdio: 'inherit',
      env: { ...AGENT_ENV_DEFAULTS, ...process.env, ...this.o.env, RESABOX_ROOT: this.o.root, RESABOX_RELEASE_DIR: dir, RESABOX_RELEASE_VERSION: manifest.version },
    });
    this.child = child;
    this.o.log.info({ version: manifest.version, pid: child.pid }, 'release started');
    child.once('exit', (code, signal) => void this.onExit(child, code, signal));
  }

  private async onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.child === child) this.child = null;
    for (const f of this.exited) f();
    if (this.stopping || this.busy) return;
    if (code === RESTART_EXIT_CODE) return this.launch();
    const now = this.o.clock.monotonic();
    const { crashes, withinMs } = this.o.crashLoop ?? { crashes: 3, withinMs: 60_000 };
    this.crashes = [...this.crashes.filter((t) => now - t < withinMs), now];
    this.o.log.warn({ code, signal, recentCrashes: this.crashes.length }, 'release exited');
    if (this.trial && this.crashes.length >= crashes) return this.rollback({ code: 'UPDATE_TRIAL_CRASH_LOOP', message: `${this.crashes.length} crashes within ${Math.round(withinMs / 1000)} s (last exit ${signal ?? `code ${code}`})` });
    this.o.clock.setTimeout(() => void this.launch(), this.o.restartDelayMs ?? 1000);
  }

  private async checkTrial(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await this.checkTrialOnce();
    } finally {
      this.checking = false;
    }
  }

  private async checkTrialOnce(): Promise<void> {
    const trial = this.trial;
    if (!trial || this.busy || !this.child) return;
    const t = await readJson<TrialRecord>(this.p.trial);
    if (t?.verdict === 'abort') return this.rollback({ code: 'UPDATE_ABORTED', message: 'aborted by the fleet during the trial' });
    const now = this.o.clock.monotonic();
    const h = await readJson<HealthRecord>(this.p.health);
    const mine = h !== null && h.pid === this.child?.pid && h.version === trial.toVersion;
    if (mine && h.selfTest && !h.selfTest.ok) {
      const failed = h.selfTest.checks.filter((c) => !c.ok).map((c) => `${c.name}${c.detail ? ` (${c.detail})` : ''}`);
      return this.rollback({ code: 'UPDATE_TRIAL_SELF_TEST', message: `self-test failed: ${failed.join(', ') || 'unspecified'}` });
    }
    if (mine && h.selfTest?.ok) this.healthySince ??= now;
    if (this.healthySince === null && now - this.trialStartedAt > (this.o.healthTimeoutMs ?? 60_000)) return this.rollback({ code: 'UPDATE_TRIAL_NO_HEALTH', message: `no healthy report within ${Math.round((this.o.healthTimeoutMs ?? 60_000) / 1000)} s` });
    if (this.healthySince !== null && now - this.trialStartedAt >= (this.o.trialMs ?? 120_000)) {
      this.trial = null;
      await writeJsonAtomic(this.p.trial, { ...(t ?? trial), verdict: 'passed' } satisfies TrialRecord);
      this.o.log.info({ version: trial.toVersion }, 'trial passed');
    }
  }

  /** Records why, puts `current` back on the previous release, and starts it. */
  private async rollback(reason: Reason): Promise<void> {
    const trial = this.trial;
    if (!trial || this.busy) return;
    this.busy = true;
    try {
      this.o.log.warn({ from: trial.toVersion, to: trial.fromVersion, reason }, 'rolling back');
      await writeJsonAtomic(this.p.rollback, { jobId: trial.jobId, rolloutId: trial.rolloutId, fromVersion: trial.fromVersion, toVersion: trial.toVersion, reason, at: this.o.clock.now() } satisfies RollbackRecord);
      await this.killChild();
      await switchCurrent(this.o.root, trial.fromVersion);
      await rm(this.p.trial, { force: true });
      this.trial = null;
      this.crashes = [];
    } finally {
      this.busy = false;
    }
    await this.launch();
  }

  private async killChild(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => {
      const done = () => (this.exited.delete(done), resolve());
      this.exited.add(done);
    });
    child.kill('SIGTERM');
    const hard = this.o.clock.setTimeout(() => child.kill('SIGKILL'), 5000);
    await gone;
    this.o.clock.clearTimeout(hard);
  }
}
