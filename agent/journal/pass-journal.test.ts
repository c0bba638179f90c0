import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { samplePass } from '../../test/support/pass-fixtures.ts';
import { MAX_EXPLANATION_BYTES } from '../../protocol/access/explanation.ts';
import type { Explanation } from '../../protocol/access/explanation.ts';
import { PassJournal, type PassJournalOptions } from './pass-journal.ts';
import type { JournalAlert } from './storage-bound.ts';
import { JOURNAL_SCHEMA_VERSION } from './schema.ts';

function sampleExplanation(today: string): Explanation {
  return {
    v: 1,
    rightsVersion: 7,
    at: { at: 1000, local: '1970-01-01T01:00+01:00' },
    tz: 'Europe/Paris',
    rules: [{ rule: 'zone-open', outcome: 'fail', facts: { zoneId: 'gym', zoneName: 'Gym', known: true, today: [today], nextOpening: null } }],
  };
}

let dir: string;
let clock: ManualClock;
const open: PassJournal[] = [];

function journal(options: Partial<PassJournalOptions> = {}): PassJournal {
  const j = new PassJournal({ path: join(dir, 'journal.db'), clock, logger: silentLogger, ...options });
  open.push(j);
  return j;
}

async function appendCommitted(j: PassJournal, count: number): Promise<number[]> {
  const pending = Array.from({ length: count }, (_, i) => j.append(samplePass({ ts: 1000 + i })));
  clock.advance(5);
  return (await Promise.all(pending)).map((e) => e.seq);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'journal-test-'));
  clock = new ManualClock();
});

afterEach(() => {
  for (const j of open.splice(0)) j.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('PassJournal', () => {
  it('commits a group of appends after the window and resolves each with its sequence number', async () => {
    const j = journal({ groupWindowMs: 2 });
    let resolved = 0;
    const pending = [1, 2, 3].map((i) => j.append(samplePass({ ts: i })).then((e) => (resolved++, e)));
    await Promise.resolve();
    expect(resolved).toBe(0);
    expect(j.stats().queued).toBe(3);
    clock.advance(2);
    const entries = await Promise.all(pending);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(entries.map((e) => e.ts)).toEqual([1, 2, 3]);
    expect(j.stats()).toMatchObject({ lastSeq: 3, ackedSeq: 0, unsent: 3, rows: 3, queued: 0 });
  });

  it('commits at once when the group is full, without waiting for the window', async () => {
    const j = journal({ groupWindowMs: 1000, groupMaxRows: 4 });
    const pending = [0, 1, 2, 3].map(() => j.append(samplePass()));
    expect(j.stats().queued).toBe(0);
    expect((await Promise.all(pending)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it('by default (window 0), commits at the next turn of the event loop without any timer', async () => {
    const j = journal();
    const pending = [j.append(samplePass()), j.append(samplePass())];
    expect(j.stats().queued).toBe(2);
    expect((await Promise.all(pending)).map((e) => e.seq)).toEqual([1, 2]);
    expect(j.stats().queued).toBe(0);
  });

  it('keeps rows, sequence and outbox cursor across a reopen, and stores the record as given', async () => {
    const j = journal();
    await appendCommitted(j, 5);
    j.ack(2);
    j.close();
    const again = journal();
    expect(again.stats()).toMatchObject({ lastSeq: 5, ackedSeq: 2, unsent: 3, rows: 5 });
    expect(again.readUnsent(10).map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(again.readUnsent(10)[0]).toEqual({ seq: 3, ...samplePass({ ts: 1002 }) });
    expect(await appendCommitted(again, 1)).toEqual([6]);
  });

  it('never reuses a sequence number, even after every row was pruned', async () => {
    const j = journal({ maxRows: 2 });
    await appendCommitted(j, 3);
    j.ack(3);
    expect(j.stats().rows).toBeLessThanOrEqual(2);
    j.close();
    const again = journal({ maxRows: 2 });
    expect(await appendCommitted(again, 1)).toEqual([4]);
  });

  it('reads unsent rows in order after a cursor, and ignores a stale ack', async () => {
    const j = journal();
    await appendCommitted(j, 6);
    expect(j.readUnsent(2).map((e) => e.seq)).toEqual([1, 2]);
    expect(j.readUnsent(10, 4).map((e) => e.seq)).toEqual([5, 6]);
    j.ack(4);
    j.ack(1);
    expect(j.stats().ackedSeq).toBe(4);
    expect(j.readUnsent(10).map((e) => e.seq)).toEqual([5, 6]);
    expect(j.readAfter(0, 10)).toHaveLength(6);
  });

  it('reads the rows at or after an outcome time, in seq order', async () => {
    const j = journal();
    await appendCommitted(j, 4);
    expect(j.readSince(1002).map(({ pass }) => [pass.seq, pass.ts])).toEqual([
      [3, 1002],
      [4, 1003],
    ]);
  });

  it('reads the rows that may be passages one at a time, refusals left out, in seq order with their local facts', async () => {
    const j = journal();
    const outcomes = ['passed', 'denied', 'manual', 'forced', 'denied', 'emergency'] as const;
    const added = outcomes.map((outcome, i) => j.append(samplePass({ ts: 2000 + i, outcome }), outcome === 'manual' ? { confirmed: true } : undefined));
    clock.advance(5);
    await Promise.all(added);
    const rows = j.passagesSince(2001);
    expect(Array.isArray(rows)).toBe(false);
    expect([...rows].map(({ pass, local }) => [pass.seq, pass.outcome, local])).toEqual([
      [3, 'manual', { confirmed: true }],
      [4, 'forced', {}],
      [6, 'emergency', {}],
    ]);
  });

  it('knows the time of its newest pass, also after a reopen, and proves it can still write', async () => {
    const j = journal();
    expect(j.lastPassAt()).toBeNull();
    await appendCommitted(j, 3);
    expect(j.lastPassAt()).toBe(1002);
    j.checkWritable();
    j.close();
    const again = journal();
    expect(again.lastPassAt()).toBe(1002);
    again.close();
    expect(() => again.checkWritable()).toThrow(expect.objectContaining({ code: 'JOURNAL_CLOSED' }));
  });

  it('keeps the local facts of a row for the replay, never in what the uplink publishes', async () => {
    const j = journal();
    const pending = [j.append(samplePass({ ts: 1000 }), { qrNonce: 'nonce-1' }), j.append(samplePass({ ts: 1001, outcome: 'manual' }), { confirmed: true }), j.append(samplePass({ ts: 1002 }))];
    clock.advance(5);
    await Promise.all(pending);
    j.close();
    const reopened = journal();
    expect(reopened.readSince(0).map((r) => r.local)).toEqual([{ qrNonce: 'nonce-1' }, { confirmed: true }, {}]);
    expect(JSON.stringify(reopened.readUnsent(10))).not.toContain('nonce-1');
  });

  it('upgrades a version 1 file in place: its rows stay, new rows carry local facts', async () => {
    const path = join(dir, 'journal.db');
    const v1 = new BetterSqlite3(path);
    v1.exec(`CREATE TABLE passes (seq INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, outcome TEXT NOT NULL, lane_id TEXT NOT NULL, body TEXT NOT NULL);
      CREATE INDEX passes_ts ON passes (ts);
      CREATE TABLE outbox (id INTEGER PRIMARY KEY CHECK (id = 1), acked_seq INTEGER NOT NULL);
      INSERT INTO outbox (id, acked_seq) VALUES (1, 0);`);
    const old = samplePass({ ts: 900 });
    v1.prepare('INSERT INTO passes (ts, outcome, lane_id, body) VALUES (?, ?, ?, ?)').run(old.ts, old.outcome, old.laneId, JSON.stringify(old));
    v1.pragma('user_version = 1');
    v1.close();
    const j = journal();
    const added = j.append(samplePass({ ts: 901 }), { qrNonce: 'n2' });
    clock.advance(5);
    await added;
    expect(j.readSince(0).map((r) => [r.pass.seq, r.pass.ts, r.local])).toEqual([
      [1, 900, {}],
      [2, 901, { qrNonce: 'n2' }],
    ]);
  });

  it('refuses an ack beyond the last written sequence number', async () => {
    const j = journal();
    await appendCommitted(j, 2);
    expect(() => j.ack(3)).toThrow(expect.objectContaining({ code: 'JOURNAL_ACK_BEYOND_END' }));
  });

  it('prunes only acknowledged rows, oldest first, to stay under the bound', async () => {
    const j = journal({ maxRows: 10 });
    await appendCommitted(j, 10);
    j.ack(6);
    await appendCommitted(j, 2);
    expect(j.stats().rows).toBe(9);
    expect(j.readAfter(0, 100).map((e) => e.seq)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('keeps unsent rows over the bound and says so, and warns when the backlog nears the bound', async () => {
    const alerts: JournalAlert[] = [];
    const j = journal({ maxRows: 10, backlogWarnRatio: 0.5, onAlert: (a) => alerts.push(a) });
    await appendCommitted(j, 5);
    expect(alerts).toEqual([{ kind: 'backlog-near-bound', unsent: 5, maxRows: 10 }]);
    await appendCommitted(j, 7);
    expect(alerts[1]).toEqual({ kind: 'bound-exceeded-unsent', unsent: 12, rows: 12, maxRows: 10 });
    expect(j.stats().rows).toBe(12);
    j.ack(12);
    expect(j.stats().rows).toBe(9);
    expect(alerts[2]).toEqual({ kind: 'backlog-cleared', unsent: 0, maxRows: 10 });
    expect(alerts).toHaveLength(3);
  });

  it('commits what is queued on close and refuses appends afterwards', async () => {
    const j = journal({ groupWindowMs: 1000 });
    const queued = j.append(samplePass());
    j.close();
    expect((await queued).seq).toBe(1);
    await expect(j.append(samplePass())).rejects.toMatchObject({ code: 'JOURNAL_CLOSED' });
  });

  it('keeps the rows of a failed commit queued, alerts, and commits them on retry without losing or reordering any', async () => {
    const alerts: JournalAlert[] = [];
    const j = journal({ groupWindowMs: 2, retryMs: 100, onAlert: (a) => alerts.push(a) });
    await appendCommitted(j, 1);
    // Disk full, simulated: the database may not grow past its current size.
    const db = (j as unknown as { db: BetterSqlite3.Database }).db;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    const big = 'x'.repeat(8000);
    const pending = [j.append(samplePass({ note: big })), j.append(samplePass({ note: big }))];
    clock.advance(2);
    expect(alerts).toEqual([expect.objectContaining({ kind: 'write-failed', code: 'JOURNAL_WRITE_FAILED', queued: 2 })]);
    expect(j.stats()).toMatchObject({ lastSeq: 1, queued: 2 });
    const later = j.append(samplePass({ ts: 99 }));
    clock.advance(50);
    expect(j.stats().queued).toBe(3);
    db.pragma('max_page_count = 1073741823');
    clock.advance(50);
    expect((await Promise.all([...pending, later])).map((p) => [p.seq, p.ts])).toEqual([
      [2, samplePass().ts],
      [3, samplePass().ts],
      [4, 99],
    ]);
  });

  it('refuses a journal written by a newer agent', () => {
    const path = join(dir, 'journal.db');
    const db = new BetterSqlite3(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => journal()).toThrow(expect.objectContaining({ code: 'JOURNAL_SCHEMA_UNSUPPORTED' }));
  });

  it('opens the journal of a newer agent that says this layout can still read it (a rollback), and keeps its rows', async () => {
    const j = journal();
    await appendCommitted(j, 2);
    j.close();
    const db = new BetterSqlite3(join(dir, 'journal.db'));
    db.exec('ALTER TABLE passes ADD COLUMN added_by_v6 TEXT');
    db.pragma('user_version = 6');
    db.close();
    const older = journal();
    expect(older.readSince(0).map((r) => r.pass.seq)).toEqual([1, 2]);
    await appendCommitted(older, 1);
    expect(older.readSince(0).map((r) => r.pass.seq)).toEqual([1, 2, 3]);
    older.close();
    const raised = new BetterSqlite3(join(dir, 'journal.db'));
    raised.exec('UPDATE journal_meta SET min_reader = 6');
    raised.close();
    expect(() => journal()).toThrow(expect.objectContaining({ code: 'JOURNAL_SCHEMA_UNSUPPORTED' }));
  });

  it('keeps a decision explanation in its own column: published with the pass, never read by the replay', async () => {
    const j = journal();
    const explained = samplePass({ outcome: 'denied', reason: 'zone-closed', explanation: sampleExplanation('06:00-23:00') });
    const pending = [j.append(explained), j.append(samplePass({ ts: 2000 }))];
    clock.advance(1);
    await Promise.all(pending);
    expect(j.readUnsent(10)).toEqual([{ seq: 1, ...explained }, { seq: 2, ...samplePass({ ts: 2000 }) }]);
    expect(j.readSince(0)[0]?.pass).not.toHaveProperty('explanation');
    const db = (j as unknown as { db: BetterSqlite3.Database }).db;
    expect((db.prepare('SELECT body FROM passes WHERE seq = 1').get() as { body: string }).body).not.toContain('zone-open');
  });

  it('cuts an explanation over the contract bound, with its code', async () => {
    const j = journal();
    const huge = sampleExplanation('06:00-23:00'.repeat(300));
    const appended = j.append(samplePass({ outcome: 'denied', reason: 'zone-closed', explanation: huge }));
    clock.advance(1);
    await appended;
    const stored = j.readUnsent(1)[0]?.explanation;
    expect(stored).toMatchObject({ truncated: 'EXPLANATION_TRUNCATED', rules: [{ rule: 'zone-open', outcome: 'fail' }] });
    expect(Buffer.byteLength(JSON.stringify(stored))).toBeLessThanOrEqual(MAX_EXPLANATION_BYTES);
  });

  it('upgrades a version 2 file in place, still readable by a version 1 reader (min_reader stays 1)', async () => {
    const path = join(dir, 'journal.db');
    const v2 = new BetterSqlite3(path);
    v2.exec(`CREATE TABLE passes (seq INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, outcome TEXT NOT NULL, lane_id TEXT NOT NULL, body TEXT NOT NULL, local TEXT);
      CREATE INDEX passes_ts ON passes (ts);
      CREATE TABLE outbox (id INTEGER PRIMARY KEY CHECK (id = 1), acked_seq INTEGER NOT NULL);
      INSERT INTO outbox (id, acked_seq) VALUES (1, 0);
      CREATE TABLE journal_meta (id INTEGER PRIMARY KEY CHECK (id = 1), min_reader INTEGER NOT NULL);
      INSERT INTO journal_meta (id, min_reader) VALUES (1, 1);`);
    const old = samplePass({ ts: 900 });
    v2.prepare('INSERT INTO passes (ts, outcome, lane_id, body, local) VALUES (?, ?, ?, ?, ?)').run(old.ts, old.outcome, old.laneId, JSON.stringify(old), '{"qrNonce":"n1"}');
    v2.pragma('user_version = 2');
    v2.close();
    const j = journal();
    const added = j.append(samplePass({ ts: 901, outcome: 'denied', explanation: sampleExplanation('06:00-23:00') }));
    clock.advance(1);
    await added;
    expect(j.readUnsent(10).map((p) => [p.seq, p.explanation?.rules[0]?.rule ?? null])).toEqual([[1, null], [2, 'zone-open']]);
    expect(j.readSince(0)[0]?.local).toEqual({ qrNonce: 'n1' });
    j.close();
    const db = new BetterSqlite3(path);
    expect([db.pragma('user_version', { simple: true }), (db.prepare('SELECT min_reader FROM journal_meta').get() as { min_reader: number }).min_reader]).toEqual([JOURNAL_SCHEMA_VERSION, 1]);
    db.close();
  });

  it('stores in WAL mode (readers never block the writer)', () => {
    journal().close();
    const db = new BetterSqlite3(join(dir, 'journal.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});
