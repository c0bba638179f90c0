import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { VALID_MESSAGES } from '../../protocol/mqtt/fixtures.ts';
import { encode, topicFor, type MessageOf, type TopicKind } from '../../protocol/mqtt/index.ts';
import { SerialHandler, topicMatches, type BusHandler, type FleetBus } from '../bus/bus.ts';
import { openSqliteStore, type SqliteFleetStore } from '../store/sqlite-store.ts';
import { startIngest, type Ingest } from './ingest.ts';

/** An in-memory bus for unit tests: delivers to matching subscriptions, records publishes. */
function memoryBus(): FleetBus & { published: { topic: string; payload: Buffer }[]; deliver(topic: string, payload: Buffer | string): Promise<void> } {
  const subs = new Set<{ filter: string; serial: SerialHandler }>();
  const published: { topic: string; payload: Buffer }[] = [];
  return {
    published,
    async publish(topic, payload) {
      published.push({ topic, payload: Buffer.from(payload) });
    },
    async subscribe(filter, handler: BusHandler) {
      const s = { filter, serial: new SerialHandler(handler, (e) => { throw e; }) };
      subs.add(s);
      return async () => void subs.delete(s);
    },
    async close() {
      subs.clear();
    },
    async deliver(topic, payload) {
      await Promise.all([...subs].filter((s) => topicMatches(s.filter, topic)).map((s) => s.serial.push({ topic, payload: Buffer.from(payload), retain: false })));
    },
  };
}

let clock: ManualClock;
let store: SqliteFleetStore;
let bus: ReturnType<typeof memoryBus>;
let ingest: Ingest;
const msg = <K extends TopicKind>(kind: K, m: MessageOf<K>) => Buffer.from(encode(kind, m));
/** Delivers, then waits until the pass batches received so far are committed and acknowledged. */
const deliver = async (topic: string, payload: Buffer | string) => {
  await bus.deliver(topic, payload);
  await ingest.settled();
};

beforeEach(async () => {
  clock = new ManualClock();
  store = openSqliteStore(':memory:');
  await store.boxes.create({ id: 'box-a', status: 'active' }, clock.now());
  bus = memoryBus();
  ingest = await startIngest({ bus, store, clock, logger: silentLogger });
});
afterEach(async () => {
  await ingest.stop();
  await store.close();
});

describe('ingest', () => {
  it('marks a box online then offline from its state messages, keeping its agent version', async () => {
    await deliver(topicFor('state', 'box-a'), msg('state', VALID_MESSAGES.state));
    expect(await store.boxes.get('box-a')).toMatchObject({ online: true, agentVersion: '1.4.2', onlineChangedAt: clock.now() });
    clock.advance(5000);
    await deliver(topicFor('state', 'box-a'), msg('state', { ...VALID_MESSAGES.state, state: 'offline', reason: 'last-will' }));
    expect(await store.boxes.get('box-a')).toMatchObject({ online: false, onlineChangedAt: clock.now() });
  });

  it('stores health metrics and device statuses', async () => {
    await deliver(topicFor('health', 'box-a'), msg('health', VALID_MESSAGES.health));
    expect((await store.devices.listByBox('box-a')).map((d) => [d.deviceId, d.status])).toEqual([
      ['printer', 'degraded'],
      ['reader-entry', 'online'],
    ]);
    expect((await store.health.series('box-a', 'disk.free_pct', 0, clock.now() + 1))[0]?.value).toBeCloseTo(56.25);
    expect(ingest.stats.accepted.health).toBe(1);
  });

  it('stores an event once however often it is delivered', async () => {
    await deliver(topicFor('events', 'box-a'), msg('events', VALID_MESSAGES.events));
    await deliver(topicFor('events', 'box-a'), msg('events', VALID_MESSAGES.events));
    expect(await store.events.list('box-a', 10)).toHaveLength(1);
  });

  it('acks a batch after storing it, with stored and duplicate counts', async () => {
    await deliver(topicFor('passes', 'box-a'), msg('passes', VALID_MESSAGES.passes));
    await deliver(topicFor('passes', 'box-a'), msg('passes', VALID_MESSAGES.passes));
    expect(bus.published.map((p) => [p.topic, JSON.parse(p.payload.toString()).stored, JSON.parse(p.payload.toString()).duplicates])).toEqual([
      [topicFor('passAck', 'box-a'), 2, 0],
      [topicFor('passAck', 'box-a'), 0, 2],
    ]);
    expect((await store.passes.list('box-a', 0, 10)).map((p) => [p.seq, p.granted, p.reason, p.credentialKind])).toEqual([
      [1201, true, 'granted', 'badge'],
      [1202, false, 'unknown-credential', 'badge'],
    ]);
  });

  it('relays the passages a person went through, once the batch is committed, to each other active box of the club; nothing for a box alone', async () => {
    await store.clubs.upsert({ id: 'lyon', name: 'Lyon', timezone: 'Europe/Paris', openingHours: {} }, clock.now());
    for (const [id, status] of [['lyon-01', 'active'], ['lyon-02', 'active'], ['lyon-03', 'pending']] as const) await store.boxes.create({ id, clubId: 'lyon', status }, clock.now());
    const [granted, denied] = VALID_MESSAGES.passes.passes;
    const batch = { ...VALID_MESSAGES.passes, passes: [{ ...granted, passage: { zoneId: 'club' } }, denied] } as MessageOf<'passes'>;
    await deliver(topicFor('passes', 'lyon-01'), msg('passes', batch));
    const relays = bus.published.filter((p) => p.topic.endsWith('/occupancy/relay'));
    expect(relays.map((p) => [p.topic, JSON.parse(p.payload.toString())])).toEqual([
      [topicFor('occupancyRelay', 'lyon-02'), { v: 1, originBoxId: 'lyon-01', passages: [{ seq: granted?.seq, ts: granted?.ts, zoneId: 'club', direction: granted?.direction, memberId: granted?.memberId, ticketId: null }] }],
    ]);
    // The ack left first: the relay never holds the box's outbox back.
    expect(bus.published.findIndex((p) => p.topic.endsWith('/passes/ack'))).toBeLessThan(bus.published.indexOf(relays[0] as (typeof bus.published)[number]));

    bus.published.length = 0;
    await deliver(topicFor('passes', 'box-a'), msg('passes', { ...batch, batchId: 'b-alone' }));
    expect(bus.published.map((p) => p.topic)).toEqual([topicFor('passAck', 'box-a')]);

    // lyon-02 comes online (its broker session may have been lost): lyon-01's passages of the last day again, from the store.
    bus.published.length = 0;
    await deliver(topicFor('state', 'lyon-02'), msg('state', VALID_MESSAGES.state));
    await ingest.settled();
    expect(bus.published.map((p) => [p.topic, JSON.parse(p.payload.toString()).passages.map((x: { seq: number }) => x.seq)])).toEqual([[topicFor('occupancyRelay', 'lyon-02'), [granted?.seq]]]);
  });

  it.each([
    ['not JSON', topicFor('passes', 'box-a'), '{', 'MQTT_PAYLOAD_NOT_JSON'],
    ['not UTF-8', topicFor('passes', 'box-a'), Buffer.from([0xff, 0xfe]), 'MQTT_PAYLOAD_NOT_UTF8'],
    ['wrong schema version', topicFor('passes', 'box-a'), JSON.stringify({ ...VALID_MESSAGES.passes, v: 2 }), 'MQTT_SCHEMA_VERSION_UNSUPPORTED'],
    ['schema mismatch', topicFor('health', 'box-a'), JSON.stringify({ v: 1, ts: 'now' }), 'MQTT_PAYLOAD_INVALID'],
    ['seq not increasing', topicFor('passes', 'box-a'), JSON.stringify({ ...VALID_MESSAGES.passes, passes: [...VALID_MESSAGES.passes.passes].reverse() }), 'MQTT_PAYLOAD_INVALID'],
    ['unknown box', topicFor('passes', 'box-zz'), Buffer.from(encode('passes', VALID_MESSAGES.passes)), 'INGEST_UNKNOWN_BOX'],
    ['too large for the topic', topicFor('events', 'box-a'), JSON.stringify({ ...VALID_MESSAGES.events, message: 'x'.repeat(20_000) }), 'MQTT_PAYLOAD_TOO_LARGE'],
  ])('rejects a message that is %s with its code, acks nothing, stores nothing', async (_name, topic, payload, code) => {
    await deliver(topic, payload);
    expect(ingest.stats.rejected).toEqual({ [code]: 1 });
    expect(bus.published).toEqual([]);
    expect(await store.passes.count()).toBe(0);
  });

  it('does not ack a batch the store failed to write, and keeps going', async () => {
    store.db.exec('CREATE TRIGGER fail_once BEFORE INSERT ON passes WHEN NEW.seq = 1202 BEGIN SELECT RAISE(ABORT, \'disk on fire\'); END');
    await deliver(topicFor('passes', 'box-a'), msg('passes', VALID_MESSAGES.passes));
    expect(ingest.stats.rejected).toEqual({ INGEST_STORE_FAILED: 1 });
    expect(bus.published).toEqual([]);
    expect(await store.passes.count()).toBe(0);
    store.db.exec('DROP TRIGGER fail_once');
    await deliver(topicFor('passes', 'box-a'), msg('passes', VALID_MESSAGES.passes));
    expect(bus.published).toHaveLength(1);
    expect(await store.passes.count()).toBe(2);
  });

  it('does not let a revoked box come back online from a replayed retained state', async () => {
    await store.boxes.setStatus('box-a', 'revoked', clock.now());
    await deliver(topicFor('state', 'box-a'), msg('state', VALID_MESSAGES.state));
    expect((await store.boxes.get('box-a'))?.online).toBe(false);
  });

  it('keeps the latest config/reported of a box with the time it was received, shown in the box detail', async () => {
    const directory = store.directory;
    expect((await directory.detail('box-a'))?.reportedConfig).toBeNull();
    await deliver(topicFor('configReported', 'box-a'), msg('configReported', VALID_MESSAGES.configReported));
    const firstAt = clock.now();
    clock.advance(60_000);
    const rejected = { v: 1 as const, version: 4, appliedAt: clock.now() - 10, status: 'rejected' as const, errors: [{ path: '/healthIntervalMs', message: 'must be >= 5000' }] };
    expect((await directory.detail('box-a'))?.reportedConfig).toEqual({ report: VALID_MESSAGES.configReported, receivedAt: firstAt });
    await deliver(topicFor('configReported', 'box-a'), msg('configReported', rejected));
    expect((await directory.detail('box-a'))?.reportedConfig).toEqual({ report: rejected, receivedAt: clock.now() });
    expect(ingest.stats.accepted.configReported).toBe(2);
  });

  it('rejects an invalid config/reported with its code and keeps the previous one', async () => {
    await deliver(topicFor('configReported', 'box-a'), msg('configReported', VALID_MESSAGES.configReported));
    await deliver(topicFor('configReported', 'box-a'), JSON.stringify({ ...VALID_MESSAGES.configReported, status: 'maybe' }));
    await deliver(topicFor('configReported', 'box-a'), '{');
    expect(ingest.stats.rejected).toEqual({ MQTT_PAYLOAD_INVALID: 1, MQTT_PAYLOAD_NOT_JSON: 1 });
    expect((await store.directory.detail('box-a'))?.reportedConfig?.report).toEqual(VALID_MESSAGES.configReported);
  });

  describe('group commit', () => {
    const batch = (first: number, n: number) => msg('passes', { ...VALID_MESSAGES.passes, batchId: `b-${first}`, passes: Array.from({ length: n }, (_, i) => ({ ...(VALID_MESSAGES.passes.passes[0] as (typeof VALID_MESSAGES.passes.passes)[number]), seq: first + i })) });
    const acks = () => bus.published.map((p) => ({ topic: p.topic, ...(JSON.parse(p.payload.toString()) as { batchId: string; stored: number; duplicates: number }) })).map((a) => [a.topic, a.batchId, a.stored, a.duplicates]);
    let transactions: number;
    let release: (() => void) | undefined;
    beforeEach(async () => {
      await store.boxes.create({ id: 'box-b', status: 'active' }, clock.now());
      transactions = 0;
      // Counts transactions, and can hold one back after its commit, before it returns.
      const commit = store.transaction.bind(store);
      store.transaction = async (fn) => {
        transactions++;
        const out = await commit(fn);
        if (release === undefined) return out;
        await new Promise<void>((resolve) => (release = resolve));
        return out;
      };
    });

    it('stores the batches that arrive together in one transaction and acks each, in order, only after it committed', async () => {
      release = () => undefined;
      const first = bus.deliver(topicFor('passes', 'box-a'), batch(1, 3));
      await first;
      // The first group is held after its commit: what arrives meanwhile waits for the next one.
      await vi.waitFor(() => expect(transactions).toBe(1));
      await Promise.all([bus.deliver(topicFor('passes', 'box-b'), batch(1, 2)), bus.deliver(topicFor('passes', 'box-a'), batch(3, 3)), bus.deliver(topicFor('passes', 'box-zz'), batch(1, 1))]);
      expect(bus.published).toEqual([]);
      const held = release;
      release = undefined;
      held();
      await ingest.settled();
      expect(transactions).toBe(2);
      expect(acks()).toEqual([
        [topicFor('passAck', 'box-a'), 'b-1', 3, 0],
        [topicFor('passAck', 'box-b'), 'b-1', 2, 0],
        [topicFor('passAck', 'box-a'), 'b-3', 2, 1],
      ]);
      expect(ingest.stats).toMatchObject({ passesStored: 7, passesDuplicate: 1, rejected: { INGEST_UNKNOWN_BOX: 1 } });
      expect([await store.passes.count('box-a'), await store.passes.count('box-b')]).toEqual([5, 2]);
    });

    it('acks the good batches of a group that one bad batch failed, and not the bad one', async () => {
      store.db.exec("CREATE TRIGGER fail_b BEFORE INSERT ON passes WHEN NEW.box_id = 'box-b' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
      await Promise.all([bus.deliver(topicFor('passes', 'box-a'), batch(1, 2)), bus.deliver(topicFor('passes', 'box-b'), batch(1, 2)), bus.deliver(topicFor('passes', 'box-a'), batch(3, 2))]);
      await ingest.settled();
      expect(acks()).toEqual([
        [topicFor('passAck', 'box-a'), 'b-1', 2, 0],
        [topicFor('passAck', 'box-a'), 'b-3', 2, 0],
      ]);
      expect(ingest.stats.rejected).toEqual({ INGEST_STORE_FAILED: 1 });
      expect([await store.passes.count('box-a'), await store.passes.count('box-b')]).toEqual([4, 0]);
    });
  });
});
