import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { demoApi, type DemoProcess } from './demo-process.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node bin/<bin> ARGS` from the checkout, as a child process, with its output collected. */
export function runBin(bin: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', bin), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `resabox ARGS` as support runs it against the demo (RESABOX_URL and RESABOX_TOKEN set), as a child process. */
export function resabox(demo: DemoProcess, args: readonly string[], token = demo.adminToken): Promise<CliRun> {
  return runBin('resabox.js', args, { ...process.env, RESABOX_URL: demo.baseUrl, RESABOX_TOKEN: token });
}

/** The sequence numbers of every pass a demo box journaled (its SQLite journal, read-only). */
export function journaledSeqs(demo: DemoProcess, boxId: string): number[] {
  const db = new Database(join(demo.dataDir, 'boxes', boxId, 'data', 'journal.db'), { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return db.prepare('SELECT seq FROM passes ORDER BY seq').pluck().all() as number[];
  } finally {
    db.close();
  }
}

/** The sequence numbers of the passes of a box the fleet stored. */
export async function storedSeqs(demo: DemoProcess, boxId: string): Promise<number[]> {
  const { passes } = await demoApi<{ passes: { seq: number }[] }>(demo, `/v1/passes?boxId=${boxId}&limit=5000`);
  return passes.map((p) => p.seq).sort((a, b) => a - b);
}

/** Polls `probe` until it returns something (real time: the demo runs on the wall clock). */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
