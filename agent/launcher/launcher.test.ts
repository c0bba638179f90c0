import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { launcherPaths, RESTART_EXIT_CODE, type RollbackRecord, type TrialRecord } from './files.ts';
import { Launcher } from './launcher.ts';
import { currentVersion } from './releases.ts';

/** A child process stand-in: the test decides when it exits. */
class FakeChild extends EventEmitter {
  static nextPid = 1000;
  pid = FakeChild.nextPid++;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  constructor(readonly script: string) {
    super();
  }
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
  }
  kill(signal: NodeJS.Signals): boolean {
    queueMicrotask(() => this.exit(null, signal));
    return true;
  }
}

let root: string;
let children: FakeChild[];
let clock: ManualClock;
let spawnArgs: string[][];
let spawnEnv: NodeJS.ProcessEnv[];
let launcher: Launcher;

async function release(version: string): Promise<void> {
  const dir = join(root, 'releases', version);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ name: 'resabox-agent', version, hardware: 'rbx-a1', channel: 'stable', minVersion: '0.0.0', entry: 'agent.mjs', createdAt: 'x' }));
  await writeFile(join(dir, 'agent.mjs'), '');
}

/** Waits for the launcher's file I/O (real, asynchronous) to produce what the test expects. */
async function until(what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out: ${what}`);
}
const spawned = (n: number) => until(`${n} children`, () => children.length === n);
const last = () => children.at(-1) as FakeChild;
const exists = (path: string) => stat(path).then(() => true, () => false);

async function onTrial(): Promise<void> {
  await writeFile(launcherPaths(root).trial, JSON.stringify({ jobId: 'j1', rolloutId: 'r1', fromVersion: '1.0.0', toVersion: '1.1.0', startedAt: 0, verdict: 'pending' } satisfies TrialRecord));
  await rm(join(root, 'current'));
  await symlink(join('releases', '1.1.0'), join(root, 'current'));
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'resabox-launcher-'));
  await mkdir(join(root, 'launcher'), { recursive: true });
  await release('1.0.0');
  await release('1.1.0');
  await symlink(join('releases', '1.0.0'), join(root, 'current'));
  children = [];
  spawnArgs = [];
  spawnEnv = [];
  clock = new ManualClock();
  launcher = new Launcher({
    root,
    clock,
    log: silentLogger,
    crashLoop: { crashes: 3, withinMs: 60_000 },
    healthTimeoutMs: 60_000,
    trialMs: 120_000,
    restartDelayMs: 1000,
    spawn: (_cmd, args, options) => {
      spawnArgs.push(args);
      spawnEnv.push(options.env ?? {});
      const c = new FakeChild(args.at(-1) as string);
      children.push(c);
      return c as unknown as ChildProcess;
    },
  });
});
afterEach(async () => {
  await launcher.stop();
  await rm(root, { recursive: true, force: true });
});

describe('Launcher', () => {
  it('restarts a crashed release that is not on trial, and restarts at once on the restart exit code', async () => {
    await launcher.start();
    expect(last().script).toContain(join('releases', '1.0.0', 'agent.mjs'));
    // The agent's node flags come before its entry (a small young generation, a capped old one,
    // no optimizing compiler: RSS).
    expect(spawnArgs[0]).toEqual(['--max-semi-space-size=1', '--max-old-space-size=256', '--no-opt', last().script]);
    // Two malloc arenas unless the operator set their own; where the release is, always.
    expect(spawnEnv[0]).toMatchObject({ MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', RESABOX_ROOT: root, RESABOX_RELEASE_VERSION: '1.0.0' });
    for (let i = 0; i < 5; i++) {
      last().exit(1);
      clock.advance(1000);
      await spawned(i + 2);
    }
    expect(await currentVersion(root)).toBe('1.0.0');
    expect(await exists(launcherPaths(root).rollback)).toBe(false);
    last().exit(RESTART_EXIT_CODE);
    await spawned(7);
  });

  it('rolls a crash-looping release on trial back to the previous one and says why', async () => {
    await onTrial();
    await launcher.start();
    expect(last().script).toContain(join('releases', '1.1.0'));
    for (let i = 0; i < 2; i++) {
      last().exit(1);
      clock.advance(1000);
      await spawned(i + 2);
    }
    last().exit(1);
    await spawned(4);
    expect(await currentVersion(root)).toBe('1.0.0');
    const rb = JSON.parse(await readFile(launcherPaths(root).rollback, 'utf8')) as RollbackRecord;
    expect(rb).toMatchObject({ jobId: 'j1', fromVersion: '1.0.0', toVersion: '1.1.0', reason: { code: 'UPDATE_TRIAL_CRASH_LOOP' } });
    await expect(stat(launcherPaths(root).trial)).rejects.toThrow();
    expect(last().script).toContain(join('releases', '1.0.0'));
  });

  it('rolls back a release on trial that never reports healthy, passes one that does', async () => {
    await onTrial();
    await launcher.start();
    clock.advance(61_000);
    await until('rollback', () => exists(launcherPaths(root).rollback));
    await spawned(2);
    expect((JSON.parse(await readFile(launcherPaths(root).rollback, 'utf8')) as RollbackRecord).reason.code).toBe('UPDATE_TRIAL_NO_HEALTH');
    expect(await currentVersion(root)).toBe('1.0.0');

    await rm(launcherPaths(root).rollback);
    await onTrial();
    last().exit(RESTART_EXIT_CODE);
    await spawned(3);
    await writeFile(launcherPaths(root).health, JSON.stringify({ version: '1.1.0', pid: last().pid, ts: 0, selfTest: { ok: true, checks: [] } }));
    const verdict = async () => (JSON.parse(await readFile(launcherPaths(root).trial, 'utf8')) as TrialRecord).verdict;
    for (let i = 0; i < 130 && (await verdict()) !== 'passed'; i++) {
      clock.advance(1000);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await verdict()).toBe('passed');
    expect(await exists(launcherPaths(root).rollback)).toBe(false);
    expect(await currentVersion(root)).toBe('1.1.0');
  });

  it('finishes a rollback interrupted by a power cut before starting anything', async () => {
    await onTrial();
    await writeFile(launcherPaths(root).rollback, JSON.stringify({ jobId: 'j1', rolloutId: 'r1', fromVersion: '1.0.0', toVersion: '1.1.0', reason: { code: 'UPDATE_TRIAL_SELF_TEST', message: 'x' }, at: 0 } satisfies RollbackRecord));
    await launcher.start();
    expect(await currentVersion(root)).toBe('1.0.0');
    await expect(stat(launcherPaths(root).trial)).rejects.toThrow();
    expect(children).toHaveLength(1);
    expect(children[0]?.script).toContain(join('releases', '1.0.0'));
  });
});
