import { readdir, readFile, statfs } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../platform/clock.ts';
import type { DeviceStatus } from '../devices/device.ts';
import type { HealthMessage } from '../../protocol/mqtt/index.ts';

export interface HealthSources {
  readonly agentVersion: string;
  readonly clock: Clock;
  readonly dataDir: string;
  readonly rights: () => { version: number; appliedAt: number | null };
  readonly journal: () => { lastSeq: number; ackedSeq: number };
  /** ts of the oldest pass not yet acknowledged, or null. */
  readonly oldestUnsentTs: () => number | null;
  readonly devices: () => DeviceStatus[];
  readonly lanes: () => HealthMessage['lanes'];
  readonly clockOffsetMs: () => number | null;
  /** Where the board exposes temperatures; /sys/class/thermal unless a test swaps it. */
  readonly thermalDir?: string;
}

/** Builds the periodic `health` message from the box's parts and the OS. */
export class HealthReporter {
  private readonly startedAt: number;
  private lastCpu = process.cpuUsage();
  private lastAt: number;

  constructor(private readonly s: HealthSources) {
    this.startedAt = s.clock.monotonic();
    this.lastAt = s.clock.monotonic();
  }

  async collect(): Promise<HealthMessage> {
    const { clock } = this.s;
    const now = clock.now();
    const [disk, temperatureC] = await Promise.all([this.disk(), this.temperature()]);
    const journal = this.s.journal();
    const rights = this.s.rights();
    return {
      v: 1,
      ts: now,
      agentVersion: this.s.agentVersion,
      uptimeS: Math.max(0, (clock.monotonic() - this.startedAt) / 1000),
      cpu: { load1: Math.max(0, loadavg()[0] ?? 0), usagePct: this.cpuPct() },
      memory: { rssBytes: process.memoryUsage.rss(), totalBytes: totalmem(), freeBytes: freemem() },
      disk,
      temperatureC,
      clockOffsetMs: this.s.clockOffsetMs(),
      rights: { version: rights.version, ageS: rights.appliedAt === null ? null : Math.max(0, (now - rights.appliedAt) / 1000) },
      journal: { lastSeq: journal.lastSeq, backlog: journal.lastSeq - journal.ackedSeq, oldestUnsentTs: this.s.oldestUnsentTs() },
      devices: this.s.devices().slice(0, 64).map((d) => ({ ...d })),
      lanes: this.s.lanes().slice(0, 32),
    };
  }

  /** This process's CPU time over wall time since the last report, as a share of all cores. */
  private cpuPct(): number | null {
    const now = this.s.clock.monotonic();
    const used = process.cpuUsage(this.lastCpu);
    this.lastCpu = process.cpuUsage();
    const elapsedMs = now - this.lastAt;
    this.lastAt = now;
    if (elapsedMs <= 0) return null;
    const pct = ((used.user + used.system) / 1000 / elapsedMs / Math.max(1, cpus().length)) * 100;
    return Math.min(100, Math.max(0, Math.round(pct * 10) / 10));
  }

  private async disk(): Promise<HealthMessage['disk']> {
    try {
      const s = await statfs(this.s.dataDir);
      return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
    } catch {
      return { totalBytes: 0, freeBytes: 0 };
    }
  }

  /** The hottest thermal zone in °C, or null on boards without one. */
  private async temperature(): Promise<number | null> {
    const dir = this.s.thermalDir ?? '/sys/class/thermal';
    try {
      const zones = (await readdir(dir)).filter((z) => z.startsWith('thermal_zone'));
      const temps = await Promise.all(zones.map((z) => readFile(join(dir, z, 'temp'), 'utf8').then((t) => Number(t.trim()) / 1000, () => NaN)));
      const valid = temps.filter((t) => Number.isFinite(t));
      return valid.length === 0 ? null : Math.max(...valid);
    } catch {
      return null;
    }
  }
}
