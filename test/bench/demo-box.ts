import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { launcherPaths } from '../../agent/launcher/files.ts';
import type { DemoProcess } from '../support/demo-process.ts';

/** A demo box's root (RESABOX_ROOT) in the demo's data folder. */
const boxRoot = (demo: DemoProcess, box: string) => join(demo.dataDir, 'boxes', box);

/** The launcher's health record of a demo box: the running agent's pid, and when its self-test passed; null before the first. */
export function launcherHealth(demo: DemoProcess, box: string): { pid: number; ts: number; ok: boolean } | null {
  try {
    const h = JSON.parse(readFileSync(launcherPaths(boxRoot(demo, box)).health, 'utf8')) as { pid: number; ts: number; selfTest: { ok: boolean } | null };
    return { pid: h.pid, ts: h.ts, ok: h.selfTest?.ok === true };
  } catch {
    return null;
  }
}

/** The passes a demo box journaled with an outcome time at or after `sinceTs`, in seq order (read-only, beside the running agent). */
export function journaledPasses(demo: DemoProcess, box: string, sinceTs: number): { ts: number; decidedAt: number; latencyUs: number | null }[] {
  const db = new Database(join(boxRoot(demo, box), 'data', 'journal.db'), { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return (db.prepare('SELECT body FROM passes WHERE ts >= ? ORDER BY seq').pluck().all(sinceTs) as string[]).map((b) => JSON.parse(b) as { ts: number; decidedAt: number; latencyUs: number | null });
  } finally {
    db.close();
  }
}
