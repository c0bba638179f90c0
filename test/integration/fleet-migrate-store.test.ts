import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../fleet/cli/main.ts';
import { openPostgresStore } from '../../fleet/store/pg-store.ts';
import { runBin, waitUntil } from '../support/demo-journey.ts';
import { demoApi, startDemo } from '../support/demo-process.ts';
import { startPostgres, type PostgresServer } from '../support/postgres.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

let server: PostgresServer;
let dir: string;
let copy: string;

// The demo's own store, as `npm start` left it: run it until its boxes stored passes, then a
// consistent copy of its SQLite file (SQLite's online backup) stands for the stopped fleet's.
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'resabox-migrate-'));
  copy = join(dir, 'fleet.db');
  server = await startPostgres({ fast: true });
  const demo = await startDemo({ via: 'tsx' });
  try {
    await waitUntil('passes stored by the demo fleet', async () => (await demoApi<{ passes: unknown[] }>(demo, '/v1/passes?limit=5')).passes.length > 0);
    const live = new Database(join(demo.dataDir, 'fleet.db'), { readonly: true, fileMustExist: true });
    try {
      await live.backup(copy);
    } finally {
      live.close();
    }
  } finally {
    await demo.stop();
  }
}, 300_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('resabox-fleet migrate-store', () => {
  it("moves the demo's SQLite store to PostgreSQL with equal counts per table, and the fleet carries on there", async () => {
    const url = await server.createDatabase('moved');
    const run = await runBin('resabox-fleet.js', ['migrate-store', '--from', copy, '--to', url]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);

    // Every table of the SQLite file, counted here on both sides, not taken from the command's word.
    const source = new Database(copy, { readonly: true });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const tables = source.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations' ORDER BY name").pluck().all() as string[];
      const counts: (readonly [string, number, number])[] = [];
      for (const t of tables) counts.push([t, source.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number, Number((await client.query(`SELECT count(*) AS n FROM "${t}"`)).rows[0].n)]);
      for (const [t, s, p] of counts) {
        expect(p, t).toBe(s);
        expect(run.stdout).toMatch(new RegExp(`^${t}\\s+${s}\\s+${p}$`, 'm'));
      }
      const of = (t: string) => counts.find((c) => c[0] === t)?.[1] ?? 0;
      expect([of('boxes') > 0, of('passes') > 0, of('clubs') > 0, of('audit_log') > 0]).toEqual([true, true, true, true]);
      expect(run.stdout).toContain(`${tables.length} tables`);
    } finally {
      source.close();
      await client.end();
    }

    // The moved store serves the fleet: same boxes, and new rows take ids after the copied ones.
    const store = await openPostgresStore(url);
    try {
      const sqliteBoxes = new Database(copy, { readonly: true });
      const ids = sqliteBoxes.prepare('SELECT id FROM boxes ORDER BY id').pluck().all();
      const maxAlert = sqliteBoxes.prepare('SELECT coalesce(max(id), 0) FROM alerts').pluck().get() as number;
      sqliteBoxes.close();
      expect((await store.boxes.list()).map((b) => b.id)).toEqual(ids);
      const boxId = ids[0] as string;
      const { alert } = await store.alerts.raise({ boxId, rule: 'migrate-check', subject: '' }, { severity: 'info', message: 'after the move', detail: {} }, T0);
      expect(alert.id).toBeGreaterThan(maxAlert);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('refuses a database that already holds fleet rows, and a source that does not exist, with their codes', async () => {
    // In process (runCli is what bin/resabox-fleet.js runs): four child processes are slow on a loaded machine.
    const cli = async (argv: string[]) => {
      const err: string[] = [];
      const code = await runCli(argv, () => undefined, (l) => err.push(l));
      return [code, err.join('\n')];
    };
    const url = await server.createDatabase('twice');
    expect(await cli(['migrate-store', '--from', copy, '--to', url])).toEqual([0, '']);
    expect(await cli(['migrate-store', '--from', copy, '--to', url])).toEqual([1, expect.stringContaining('STORE_MIGRATE_TARGET_NOT_EMPTY')]);
    expect(await cli(['migrate-store', '--from', join(dir, 'nope.db'), '--to', url])).toEqual([1, expect.stringContaining('STORE_MIGRATE_SOURCE_MISSING')]);
    expect(await cli(['migrate-store', '--from', copy])).toEqual([2, expect.stringContaining('--to is required')]);
  }, 120_000);
});
