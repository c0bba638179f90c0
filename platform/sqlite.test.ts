import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { useDurably } from './sqlite.ts';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('sets WAL, synchronous FULL and the page cache given, instead of better-sqlite3 16 MB', () => {
  dir = mkdtempSync(join(tmpdir(), 'resabox-sqlite-'));
  const db = new Database(join(dir, 'x.db'));
  try {
    expect(db.pragma('cache_size', { simple: true })).toBe(-16000);
    useDurably(db, 1024);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('cache_size', { simple: true })).toBe(-1024);
  } finally {
    db.close();
  }
});
