import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import type { RightsRequestMessage, RightsStatusMessage } from '../../protocol/mqtt/index.ts';
import { clubSnapshot, deltaMessage, member } from '../access/rights-fixtures.ts';
import { RightsStore } from '../access/store.ts';
import { RightsSync } from './rights-sync.ts';

describe('RightsSync', () => {
  let dir: string;
  let store: RightsStore;
  let clock: ManualClock;
  let requests: RightsRequestMessage[];
  let statuses: RightsStatusMessage[];
  let sync: RightsSync;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rights-sync-'));
    clock = new ManualClock();
    store = RightsStore.open(join(dir, 'rights.db'), { clock });
    requests = [];
    statuses = [];
    sync = new RightsSync({ store, clock, logger: silentLogger, requestRetryMs: 10_000, sendRequest: (m) => (requests.push(m), true), sendStatus: (m) => (statuses.push(m), true) });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks for a snapshot at start-up, applies it, then deltas in version order, reporting each version', () => {
    sync.connected(false);
    expect(requests.map((r) => [r.reason, r.haveVersion])).toEqual([['startup', 0]]);
    sync.onMessage(clubSnapshot(3, 5));
    sync.onMessage(deltaMessage(5, 6, { members: [member('m9')] }));
    sync.onMessage(deltaMessage(5, 6, { members: [member('m9')] })); // redelivered: ignored
    expect(store.version()).toBe(6);
    expect(statuses.map((s) => s.version)).toEqual([0, 5, 6]);
    expect(statuses.at(-1)).toMatchObject({ clubId: 'club-lyon', members: 4 });
  });

  it('on a gap keeps its version, asks once for a snapshot, and again only after the retry delay', () => {
    sync.connected(true);
    sync.onMessage(clubSnapshot(2, 1));
    requests.length = 0;
    sync.connected(true);
    expect(requests).toEqual([]);
    sync.onMessage(deltaMessage(3, 4, { members: [member('m9')] }));
    sync.onMessage(deltaMessage(4, 5, { members: [member('m8')] }));
    expect(store.version()).toBe(1);
    expect(requests.map((r) => [r.reason, r.haveVersion])).toEqual([['gap', 1]]);
    clock.advance(10_001);
    sync.onMessage(deltaMessage(4, 5, { members: [member('m8')] }));
    expect(requests).toHaveLength(2);
    sync.onMessage(clubSnapshot(2, 5));
    expect(store.version()).toBe(5);
  });
});
