import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../platform/clock.ts';
import { waitFor } from '../test/support/wait-for.ts';
import { Supervisor } from './supervisor.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('demo supervisor (systemd Restart=always for the launcher)', () => {
  it('restarts the process whenever it exits, logs it, and stops it for good on stop()', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'resabox-supervisor-'));
    dirs.push(dir);
    const log = join(dir, 'out.log');
    // Each run prints its pid and dies at once, as a crashing launcher would.
    const s = new Supervisor({ command: process.execPath, args: ['-e', 'console.log(`run ${process.pid}`); process.exit(3)'], env: process.env, logFile: log, clock: systemClock, restartDelayMs: 20 });
    s.start();
    await waitFor(() => s.startCount >= 3, 20_000, 'three runs');
    await s.stop();
    const after = s.startCount;
    const text = await readFile(log, 'utf8');
    expect(text.match(/^run \d+$/gm)?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(text).toContain('supervisor: exited (code 3), restarting');
    await new Promise((r) => setTimeout(r, 200));
    expect(s.startCount).toBe(after);
  });

  it('stops a long-running process with SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'resabox-supervisor-'));
    dirs.push(dir);
    const s = new Supervisor({ command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], env: process.env, logFile: join(dir, 'out.log'), clock: systemClock });
    s.start();
    await waitFor(() => s.pid !== null, 10_000, 'the process');
    const pid = s.pid as number;
    await s.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(s.pid).toBeNull();
  });
});
