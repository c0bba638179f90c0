import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from './sqlite-store.ts';
import { alertDeskContract } from './alert-desk-contract.ts';
import { storeContract, type ContractStore } from './store-contract.ts';

const openContract = async (): Promise<ContractStore> => {
  const dir = mkdtempSync(join(tmpdir(), 'resabox-store-'));
  const store = openSqliteStore(join(dir, 'fleet.db'));
  return {
    store,
    // One connection per file: a second instance would be a second process on the same file, not a use case.
    peer: store,
    raw: async <T>(sql: string, args: readonly unknown[] = []) => store.db.prepare(sql).all(...args) as T[],
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
storeContract('SQLite', openContract);
alertDeskContract('SQLite', openContract);

describe('SQLite store: one connection shared by async callers', () => {
  it('makes a write from outside wait for the open transaction', async () => {
    const store = openSqliteStore(':memory:');
    const order: string[] = [];
    await store.clubs.upsert({ id: 'c', name: 'C', timezone: 'UTC', openingHours: {} }, 1);
    let release!: () => void;
    const tx = store.transaction(async (t) => {
      await t.boxes.create({ id: 'box-a', clubId: 'c' }, 1);
      await new Promise<void>((resolve) => (release = resolve));
      order.push('tx');
    });
    const outside = store.clubs.get('c').then(() => order.push('outside'));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await Promise.all([tx, outside]);
    expect(order).toEqual(['tx', 'outside']);
    await store.close();
  });
});
