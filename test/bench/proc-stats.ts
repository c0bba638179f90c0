import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (benchmarks run on Linux). */
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** /proc/<pid>/stat's fields after the command name (which may hold spaces): [0] is field 3, state. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/**
 * When a process started, on the wall clock (ms), to the tick (10 ms): its start time
 * since boot (field 22) against the uptime read now, not the boot time (whole seconds).
 */
export function processStartedAt(pid: number): number | null {
  const f = statFields(pid);
  if (!f) return null;
  const uptimeS = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return Date.now() - (uptimeS - Number(f[19]) / TICKS) * 1000;
}

/** Resident size now and its peak (KiB), and the parent pid; null once the process is gone. */
export function processMemory(pid: number): { rssKiB: number; hwmKiB: number; ppid: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM'), ppid: Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0) };
  } catch {
    return null;
  }
}

/** CPU seconds a process used so far (user + system, all its threads); 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / TICKS : 0;
}

/** A process and its direct children (PostgreSQL: the postmaster and every backend). */
export function familyCpuSeconds(root: number): number {
  let total = cpuSeconds(root);
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const f = statFields(Number(d));
    if (f && Number(f[1]) === root) total += cpuSeconds(Number(d));
  }
  return total;
}

/**
 * What a process's resident memory is made of (KiB), from smaps: its private anonymous
 * memory (heap, malloc, stacks), the pages of the node executable it has touched (file
 * pages shared with every node process), and PSS (its share when shared pages are split).
 */
export function residentBreakdown(pid: number): { anonKiB: number; exeKiB: number; pssKiB: number } | null {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
    const exe = realpathSync(process.execPath);
    let exeKiB = 0;
    let inExe = false;
    for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
      const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (head) inExe = head[1] === exe;
      else if (inExe && line.startsWith('Rss:')) exeKiB += Number(/\d+/.exec(line)?.[0] ?? 0);
    }
    return { anonKiB: kib('Anonymous'), exeKiB, pssKiB: kib('Pss') };
  } catch {
    return null;
  }
}
