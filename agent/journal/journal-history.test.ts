import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { samplePass } from '../../test/support/pass-fixtures.ts';
import { PassJournal } from './pass-journal.ts';
import type { LocalFacts, PassRecord } from './pass-record.ts';

let dir: string;
let clock: ManualClock;
let journal: PassJournal;
const T = Date.UTC(2026, 0, 5, 9, 0, 0);

const open = () => new PassJournal({ path: join(dir, 'journal.db'), clock, logger: silentLogger });
async function write(rows: [Partial<PassRecord>, LocalFacts?][]): Promise<void> {
  const pending = rows.map(([p, local]) => journal.append(samplePass(p), local));
  clock.advance(1);
  await Promise.all(pending);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'journal-history-'));
  clock = new ManualClock(T);
  journal = open();
});

afterEach(() => {
  journal.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('JournalHistory (the front desk reads of the journal)', () => {
  it("lists a member's newest passes first, through the member index", async () => {
    await write([[{ memberId: 'm-1', ts: T + 1 }], [{ memberId: 'm-2', ts: T + 2 }], [{ memberId: 'm-1', ts: T + 3, outcome: 'denied', reason: 'outside-validity' }]]);
    expect(journal.history.passesOf('m-1', 10).map((p) => [p.seq, p.outcome])).toEqual([
      [3, 'denied'],
      [1, 'passed'],
    ]);
    expect(journal.history.passesOf('m-1', 1)).toHaveLength(1);
    journal.close();
    const db = new BetterSqlite3(join(dir, 'journal.db'));
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT seq, body FROM passes WHERE json_extract(body, '$.memberId') = ? ORDER BY seq DESC LIMIT ?").all('m-1', 5) as { detail: string }[];
    db.close();
    expect(plan.map((p) => p.detail).join(' ')).toContain('passes_member');
    journal = open();
  });

  it("counts a day's confirmed entries and refusals by reason", async () => {
    await write([
      [{ ts: T - 3_600_000 }], // yesterday's figures are not today's
      [{ ts: T + 1 }],
      [{ ts: T + 2, direction: 'out' }],
      [{ ts: T + 3, outcome: 'not-passed' }],
      [{ ts: T + 4, outcome: 'manual', reason: 'manual-open', memberId: null }, { confirmed: true }],
      [{ ts: T + 5, outcome: 'manual', reason: 'manual-open', memberId: null }, { confirmed: false }],
      [{ ts: T + 6, outcome: 'denied', reason: 'unknown-credential' }],
      [{ ts: T + 7, outcome: 'denied', reason: 'unknown-credential' }],
      [{ ts: T + 8, outcome: 'denied', reason: 'outside-validity' }],
    ]);
    expect(journal.history.figuresSince(T)).toEqual({ entries: 2, manualEntries: 1, refusals: { 'unknown-credential': 2, 'outside-validity': 1 } });
  });

  it('keeps occupancy corrections on disk, in time order', () => {
    journal.history.recordCorrection({ ts: T + 10, zoneId: 'club', count: 4, operator: 'Léa', reason: 'comptage' });
    journal.history.recordCorrection({ ts: T + 5, zoneId: 'pool', count: 0, operator: 'Léa', reason: 'fermeture' });
    journal.close();
    journal = open();
    expect(journal.history.correctionsSince(T).map((c) => [c.ts, c.zoneId, c.count])).toEqual([
      [T + 5, 'pool', 0],
      [T + 10, 'club', 4],
    ]);
    expect(journal.history.correctionsSince(T + 6)).toHaveLength(1);
  });

  it('keeps the passages relayed from the club’s other boxes on disk, each once per (origin box, seq), and forgets the old ones', () => {
    const passage = (seq: number, ts: number) => ({ seq, ts, zoneId: 'club', direction: 'in' as const, memberId: `m${seq}`, ticketId: null });
    const first = journal.history.recordRelayed({ v: 1, originBoxId: 'lyon-02', passages: [passage(1, T - 50 * 3600_000), passage(2, T + 1), passage(3, T + 2)] }, T - 48 * 3600_000);
    expect(first.map((p) => p.seq)).toEqual([1, 2, 3]);
    // Redelivered with one more, and the same seq from another box: only the new ones come back.
    const again = journal.history.recordRelayed({ v: 1, originBoxId: 'lyon-02', passages: [passage(3, T + 2), passage(4, T + 3)] }, T - 48 * 3600_000);
    const other = journal.history.recordRelayed({ v: 1, originBoxId: 'lyon-03', passages: [passage(3, T + 4)] }, T - 48 * 3600_000);
    expect([again.map((p) => p.seq), other.map((p) => [p.originBoxId, p.seq])]).toEqual([[4], [['lyon-03', 3]]]);
    journal.close();
    journal = open();
    // Seq 1 (50 h old) was forgotten by the next write.
    expect(journal.history.relayedSince(0).map((p) => [p.originBoxId, p.seq, p.memberId])).toEqual([
      ['lyon-02', 2, 'm2'],
      ['lyon-02', 3, 'm3'],
      ['lyon-02', 4, 'm4'],
      ['lyon-03', 3, 'm3'],
    ]);
  });
});
