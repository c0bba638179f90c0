import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Compile } from 'typebox/compile';
import { afterAll, describe, expect, it } from 'vitest';
import { PassJournal } from '../../agent/journal/pass-journal.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { Pass } from '../../protocol/mqtt/schemas/passes.ts';

const KILLS = 20;
const harness = new URL('../support/journal-burst-harness.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'journal-crash-'));
const journalPath = join(dir, 'journal.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the harness until it printed `ready`, lets the burst run `burstMs`, then SIGKILLs it. */
async function burstThenKill(burstMs: number): Promise<{ confirmed: number[]; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', harness, journalPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let killTimer: NodeJS.Timeout | undefined;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    out += chunk;
    if (!killTimer && out.includes('ready\n')) killTimer = setTimeout(() => child.kill('SIGKILL'), burstMs);
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, s) => resolve(s)));
  clearTimeout(killTimer);
  // Only whole lines count: a seq cut mid-line by the kill was never fully printed.
  const lines = out.split('\n').slice(0, -1);
  return { confirmed: lines.filter((l) => l !== 'ready').map(Number), signal };
}

describe('pass journal under SIGKILL', () => {
  it(`loses no confirmed pass and stays readable across ${KILLS} kills in the middle of a burst`, async () => {
    const validPass = Compile(Pass);
    let previousMax = 0;
    let totalConfirmed = 0;
    for (let run = 0; run < KILLS; run++) {
      const { confirmed, signal } = await burstThenKill(20 + Math.floor(Math.random() * 300));
      expect(signal).toBe('SIGKILL');
      totalConfirmed += confirmed.length;

      const db = new BetterSqlite3(journalPath);
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const seqs = (db.prepare('SELECT seq FROM passes ORDER BY rowid').all() as { seq: number }[]).map((r) => r.seq);
        const stored = new Set(seqs);
        expect(stored.size).toBe(seqs.length);
        for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] as number);
        for (const seq of confirmed) expect(stored.has(seq), `confirmed seq ${seq} of run ${run} is missing`).toBe(true);
        // Confirmed in strictly increasing order, and never a number an earlier run already used.
        for (let i = 1; i < confirmed.length; i++) expect(confirmed[i]).toBeGreaterThan(confirmed[i - 1] as number);
        if (confirmed.length > 0) expect(confirmed[0]).toBeGreaterThan(previousMax);
        previousMax = Math.max(previousMax, ...seqs);
      } finally {
        db.close();
      }
    }
    // The journal reopens through its own API and every row is a valid contract Pass.
    const journal = new PassJournal({ path: journalPath, clock: systemClock, logger: silentLogger });
    try {
      const rows = journal.readAfter(0, 1_000_000);
      expect(journal.stats().lastSeq).toBe(previousMax);
      for (const p of rows) expect(validPass.Check(p)).toBe(true);
      expect(new Set(rows.map((p) => p.outcome))).toEqual(new Set(['passed', 'not-passed', 'denied']));
    } finally {
      journal.close();
    }
    expect(totalConfirmed).toBeGreaterThan(KILLS);
  }, 240_000);
});
