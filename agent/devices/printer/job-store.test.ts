import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonFileJobStore, MemoryJobStore, type QueueSnapshot } from './job-store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'resabox-jobstore-'));
  dirs.push(d);
  return d;
};

const snapshot: QueueSnapshot = {
  pending: [{ job: { kind: 'test', jobId: 'T-1', clubName: 'Club', at: 1 }, state: 'waiting-paper', attempts: 2 }],
  finished: [{ jobId: 'T-0', state: 'printed' }],
};

describe.each([
  ['MemoryJobStore', () => new MemoryJobStore()],
  ['JsonFileJobStore', () => new JsonFileJobStore(join(tempDir(), 'sub', 'queue.json'))],
])('%s', (_name, make) => {
  it('starts empty and returns what was saved', () => {
    const store = make();
    expect(store.load()).toEqual({ pending: [], finished: [] });
    store.save(snapshot);
    expect(store.load()).toEqual(snapshot);
  });
});

describe('JsonFileJobStore', () => {
  it('survives a new instance (a restart) and leaves no temp file', () => {
    const dir = tempDir();
    const path = join(dir, 'queue.json');
    new JsonFileJobStore(path).save(snapshot);
    expect(new JsonFileJobStore(path).load()).toEqual(snapshot);
    expect(readdirSync(dir)).toEqual(['queue.json']);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ version: 1 });
  });

  it.each([
    ['truncated JSON', '{"version":1,"pending":['],
    ['another version', '{"version":2,"pending":[],"finished":[]}'],
    ['not a queue', '[1,2,3]'],
  ])('moves %s aside and starts empty', (_name, content) => {
    const dir = tempDir();
    const path = join(dir, 'queue.json');
    writeFileSync(path, content);
    const loaded = new JsonFileJobStore(path).load();
    expect(loaded.pending).toEqual([]);
    expect(loaded.quarantinedTo).toMatch(/queue\.json\.corrupt-\d+$/);
    expect(readFileSync(loaded.quarantinedTo as string, 'utf8')).toBe(content);
  });
});
