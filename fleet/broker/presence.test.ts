import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { AlertEngine } from '../alerts/engine.ts';
import { openSqliteStore, type SqliteFleetStore } from '../store/sqlite-store.ts';
import { Presence } from './presence.ts';

const GRACE = 45_000;
let clock: ManualClock;
let store: SqliteFleetStore;
let offline: string[];

/** Three active boxes the store believes online, last seen 10 s, 20 s and 30 s ago. */
beforeEach(async () => {
  clock = new ManualClock();
  store = openSqliteStore(':memory:');
  for (const [i, id] of ['box-a', 'box-b', 'box-c'].entries()) {
    await store.boxes.create({ id, status: 'active' }, clock.now());
    await store.boxes.setOnline(id, true, clock.now() - (i + 1) * 10_000);
  }
  clock.advance(60_000);
  offline = [];
});
afterEach(() => store.close());

/** Lets the grace check (async store calls) run to its end. */
const turn = () => new Promise((r) => setImmediate(r));
const online = async () => (await store.boxes.list({ status: 'active' })).filter((b) => b.online).map((b) => b.id);
const make = (connected?: string[]) =>
  new Presence({ boxes: store.boxes, clock, logger: silentLogger, graceMs: GRACE, ...(connected ? { connectedNow: () => new Set(connected) } : {}), onOffline: (id) => offline.push(id) });

describe('presence: what the fleet may claim about who is online', () => {
  it('embedded: at start, every box the broker does not hold is offline at once, since it was last seen', async () => {
    const p = make(['box-b']);
    await p.linkUp();
    expect(await online()).toEqual(['box-b']);
    expect(offline.sort()).toEqual(['box-a', 'box-c']);
    expect((await store.boxes.get('box-a'))?.onlineChangedAt).toBe(clock.now() - 60_000 - 10_000);
    expect(p.settled()).toBe(false);
    clock.advance(GRACE);
    await turn();
    expect(p.settled()).toBe(true);
    // Connected to the broker but silent (a test client): the broker's word is enough.
    expect(await online()).toEqual(['box-b']);
    p.stop();
  });

  it('embedded: a health report from a box the broker no longer holds does not revive it', async () => {
    const p = make([]);
    await p.linkUp();
    await p.heardFrom('box-a');
    expect(await online()).toEqual([]);
    p.stop();
  });

  it('external: after the grace, a box shown online (a replayed retained state) that sent no live health is marked offline', async () => {
    const p = make();
    await p.linkUp();
    // The broker replays retained "online" states for a and b (b's outlived a broker restart).
    await store.boxes.setOnline('box-a', true, clock.now());
    await store.boxes.setOnline('box-b', true, clock.now());
    clock.advance(10_000);
    await p.heardFrom('box-a');
    // c was offline, but its live health proves it is connected now.
    await p.heardFrom('box-c');
    expect(await online()).toEqual(['box-a', 'box-b', 'box-c']);
    clock.advance(GRACE);
    await turn();
    expect(await online()).toEqual(['box-a', 'box-c']);
    expect(p.settled()).toBe(true);
    p.stop();
  });

  it('external: losing the broker link shows every box offline until the link is back', async () => {
    const p = make();
    await p.linkUp();
    await p.heardFrom('box-a');
    await p.linkDown();
    expect(await online()).toEqual([]);
    expect(p.settled()).toBe(false);
    await p.heardFrom('box-a'); // nothing can arrive without a link; if it did, it is ignored
    expect(await online()).toEqual([]);
    await p.linkUp();
    await p.heardFrom('box-a');
    expect(await online()).toEqual(['box-a']);
    p.stop();
  });

  it('the alert engine opens "box offline" only once presence has settled', async () => {
    const p = make([]);
    const engine = new AlertEngine({ store, clock, logger: silentLogger, tickMs: 1000, thresholds: { boxOfflineAfterMs: 30_000 }, presenceSettled: () => p.settled() });
    await p.linkUp();
    for (const id of ['box-a', 'box-b', 'box-c']) await engine.evaluate(id);
    // Offline since 70-90 s, above the threshold: still no alert while boxes may be reconnecting.
    expect(await store.alerts.listOpen()).toEqual([]);
    clock.advance(GRACE);
    await turn();
    for (const id of ['box-a', 'box-b', 'box-c']) await engine.evaluate(id);
    expect((await store.alerts.listOpen()).map((a) => [a.boxId, a.rule]).sort()).toEqual([
      ['box-a', 'box-offline'],
      ['box-b', 'box-offline'],
      ['box-c', 'box-offline'],
    ]);
    p.stop();
  });
});

describe('presence shared by several fleet instances', () => {
  const shared = () => new Presence({ boxes: store.boxes, clock, logger: silentLogger, graceMs: GRACE, sharedHearing: true, onOffline: (id) => offline.push(id) });

  it('taking over marks nobody offline at once; after the grace, only boxes no instance heard from since are marked offline', async () => {
    const p = shared();
    await p.linkUp();
    expect(await online()).toEqual(['box-a', 'box-b', 'box-c']);
    // box-a's health reached another instance, which recorded it in the store.
    clock.advance(1_000);
    await store.boxes.recordHealth('box-a', { receivedAt: clock.now() }, clock.now());
    clock.advance(GRACE);
    await turn();
    expect(p.settled()).toBe(true);
    expect(await online()).toEqual(['box-a']);
    expect(offline.sort()).toEqual(['box-b', 'box-c']);
    p.stop();
  });

  it('one instance losing its broker link marks nobody offline; a health report it gets revives a box even before it holds the singletons', async () => {
    const p = shared();
    await p.linkDown();
    expect(await online()).toEqual(['box-a', 'box-b', 'box-c']);
    await store.boxes.setOnline('box-c', false, clock.now());
    await p.heardFrom('box-c');
    expect(await online()).toContain('box-c');
    p.stop();
  });
});
