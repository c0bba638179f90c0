import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Clock, TimerHandle } from '../platform/clock.ts';

export interface SupervisorOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  readonly logFile: string;
  readonly clock: Clock;
  /** Wait before a restart (systemd's RestartSec). */
  readonly restartDelayMs?: number;
  /** SIGKILL after this long when SIGTERM is not enough (systemd's TimeoutStopSec). */
  readonly stopTimeoutMs?: number;
}

/**
 * What systemd does for a box's launcher (deploy/systemd/resabox-launcher.service,
 * Restart=always): runs the process, restarts it whenever it exits until stop() is called,
 * and stops it with SIGTERM, then SIGKILL.
 */
export class Supervisor {
  private child: ChildProcess | null = null;
  private running = false;
  private restartTimer: TimerHandle | undefined;
  private log: WriteStream | null = null;
  private starts = 0;

  constructor(private readonly o: SupervisorOptions) {}

  /** The supervised process id, or null between two runs. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** How many times the process was started (1 + restarts). */
  get startCount(): number {
    return this.starts;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.log ??= createWriteStream(this.o.logFile, { flags: 'a' });
    this.spawnOnce();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.o.clock.clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const killer = this.o.clock.setTimeout(() => child.kill('SIGKILL'), this.o.stopTimeoutMs ?? 10_000);
      await exited;
      this.o.clock.clearTimeout(killer);
    }
    const log = this.log;
    this.log = null;
    if (log) await new Promise<void>((r) => log.end(r));
  }

  private spawnOnce(): void {
    const child = spawn(this.o.command, [...this.o.args], { stdio: ['ignore', 'pipe', 'pipe'], env: this.o.env });
    this.starts++;
    this.child = child;
    const log = this.log;
    if (log) {
      child.stdout?.pipe(log, { end: false });
      child.stderr?.pipe(log, { end: false });
    }
    child.once('error', (e) => log?.write(`supervisor: ${e.message}\n`));
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      if (!this.running) return;
      log?.write(`supervisor: exited (${signal ?? `code ${code}`}), restarting\n`);
      this.restartTimer = this.o.clock.setTimeout(() => this.running && this.spawnOnce(), this.o.restartDelayMs ?? 2000);
    });
  }
}
