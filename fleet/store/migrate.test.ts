import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db.ts';
import { defaultMigrationsDir, loadMigrations } from './migrate.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'resabox-migrate-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function migrationsCopy(): string {
  const dir = tempDir();
  for (const file of readdirSync(defaultMigrationsDir)) copyFileSync(join(defaultMigrationsDir, file), join(dir, file));
  return dir;
}

describe('migrations', () => {
  it('creates the schema in WAL mode on a real file, then is a no-op when reopened', () => {
    const path = join(tempDir(), 'fleet.db');
    const first = openDatabase(path);
    expect(first.migrations.applied).toContain(1);
    expect(first.db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = (first.db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]).map((r) => r.name);
    for (const t of ['clubs', 'boxes', 'devices', 'health_metrics', 'events', 'alerts', 'passes', 'members', 'credentials', 'zones', 'access_rights', 'rights_versions', 'commands', 'audit_log', 'api_tokens', 'enrollment_codes']) {
      expect(tables).toContain(t);
    }
    first.db.close();
    const again = openDatabase(path);
    expect(again.migrations.applied).toEqual([]);
    again.db.close();
  });

  it('applies every numbered file in numeric order, including high-numbered ones added later', () => {
    const dir = migrationsCopy();
    const path = join(tempDir(), 'fleet.db');
    openDatabase(path, { migrationsDir: dir }).db.close();
    writeFileSync(join(dir, '900-api-extra.sql'), 'CREATE TABLE api_extra (id INTEGER PRIMARY KEY);');
    writeFileSync(join(dir, '020-core-extra.sql'), 'CREATE TABLE core_extra (id INTEGER PRIMARY KEY);');
    const { db, migrations } = openDatabase(path, { migrationsDir: dir });
    expect(migrations.applied).toEqual([20, 900]);
    expect(migrations.current).toBe(900);
    db.close();
  });

  it('refuses an applied migration whose file was edited', () => {
    const dir = migrationsCopy();
    const path = join(tempDir(), 'fleet.db');
    writeFileSync(join(dir, '900-x.sql'), 'CREATE TABLE x (id INTEGER);');
    openDatabase(path, { migrationsDir: dir }).db.close();
    writeFileSync(join(dir, '900-x.sql'), 'CREATE TABLE x (id INTEGER, y TEXT);');
    expect(() => openDatabase(path, { migrationsDir: dir })).toThrow(/STORE_MIGRATION_CHANGED/);
  });

  it('rolls back a failing migration and records nothing of it', () => {
    const dir = migrationsCopy();
    const path = join(tempDir(), 'fleet.db');
    writeFileSync(join(dir, '900-bad.sql'), 'CREATE TABLE half (id INTEGER); INSERT INTO nowhere VALUES (1);');
    expect(() => openDatabase(path, { migrationsDir: dir })).toThrow(/STORE_MIGRATION_FAILED/);
    rmSync(join(dir, '900-bad.sql'));
    const { db } = openDatabase(path, { migrationsDir: dir });
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('refuses badly named and duplicate migration files', () => {
    const dir = migrationsCopy();
    writeFileSync(join(dir, 'oops.sql'), 'SELECT 1;');
    expect(() => loadMigrations(dir)).toThrow(/STORE_MIGRATION_NAME/);
    rmSync(join(dir, 'oops.sql'));
    writeFileSync(join(dir, '001-again.sql'), 'SELECT 1;');
    expect(() => loadMigrations(dir)).toThrow(/STORE_MIGRATION_DUPLICATE/);
  });
});
