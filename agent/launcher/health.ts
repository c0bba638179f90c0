import { writeJsonAtomic } from '../update/durable.ts';
import { launcherPaths, type SelfTestResult } from './files.ts';

/**
 * What the agent calls to tell the launcher it is alive: once at start-up with the
 * self-test result (devices answering, journal writable, broker reachable), and again
 * whenever it changes. The launcher only trusts a record carrying its child's pid.
 */
export async function reportHealth(root: string, version: string, selfTest: SelfTestResult | null, now = Date.now()): Promise<void> {
  await writeJsonAtomic(launcherPaths(root).health, { version, pid: process.pid, ts: now, selfTest });
}
