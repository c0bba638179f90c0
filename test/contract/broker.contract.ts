import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fleet } from '../../fleet/service.ts';
import { VALID_MESSAGES } from '../../protocol/mqtt/fixtures.ts';
import { encode, topicFor, type MessageOf } from '../../protocol/mqtt/index.ts';

/**
 * The broker contract: one suite, run against every broker kind the fleet supports (the
 * embedded aedes and a real Mosquitto), with real mqtt.js clients playing the boxes.
 */
export interface BrokerHarness {
  readonly fleet: Fleet;
  /** mqtt:// URL the boxes connect to. */
  readonly url: string;
  close(): Promise<void>;
}

export interface BoxClientOptions {
  readonly secret: string;
  /** Retry refused connections until this deadline (an external broker reloads its files asynchronously). */
  readonly retryForMs?: number;
  readonly clientId?: string;
}

const lastWill = (boxId: string) => ({
  topic: topicFor('state', boxId),
  payload: Buffer.from(encode('state', { v: 1, state: 'offline', reason: 'last-will', agentVersion: '1.0.0', bootId: 'boot-1', ts: 0 })),
  qos: 1 as const,
  retain: true,
});

export async function connectBox(url: string, boxId: string, o: BoxClientOptions): Promise<MqttClient> {
  const deadline = Date.now() + (o.retryForMs ?? 0);
  for (;;) {
    try {
      return await mqtt.connectAsync(url, { protocolVersion: 4, clientId: o.clientId ?? boxId, username: boxId, password: o.secret, reconnectPeriod: 0, connectTimeout: 5000, will: lastWill(boxId) });
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Resolves with the error (refused) or null (connected, then closed by us). */
export async function connectOutcome(url: string, boxId: string, secret: string, clientId = boxId): Promise<Error | null> {
  try {
    const c = await connectBox(url, boxId, { secret, clientId });
    await c.endAsync();
    return null;
  } catch (e) {
    return e as Error;
  }
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, deadlineMs = 10_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const closed = (c: MqttClient) => new Promise<void>((resolve) => (c.connected ? c.once('close', () => resolve()) : resolve()));

function stateMessage(state: 'online' | 'offline'): Buffer {
  return Buffer.from(encode('state', { v: 1, state, reason: state === 'online' ? 'connected' : 'shutdown', agentVersion: '1.4.2', bootId: 'boot-1', ts: Date.now() }));
}

export function describeBrokerContract(kind: string, start: () => Promise<BrokerHarness>): void {
  describe(`broker contract: ${kind}`, () => {
    let h: BrokerHarness;
    const secrets = new Map<string, string>();
    const clients: MqttClient[] = [];
    const box = async (id: string, extra: Partial<BoxClientOptions> = {}) => {
      const c = await connectBox(h.url, id, { secret: secrets.get(id) as string, retryForMs: 5000, ...extra });
      clients.push(c);
      return c;
    };

    beforeAll(async () => {
      h = await start();
      const now = Date.now();
      await h.fleet.store.clubs.upsert({ id: 'club-1', name: 'Club', timezone: 'Europe/Paris', openingHours: {} }, now);
      for (const id of ['box-a', 'box-b', 'box-will', 'box-revoked', 'box-passes']) {
        await h.fleet.store.boxes.create({ id, clubId: 'club-1' }, now);
        secrets.set(id, await h.fleet.boxAccess.issueSecret(id));
      }
      await h.fleet.store.boxes.create({ id: 'box-pending', clubId: 'club-1' }, now);
      // Wait until the broker accepts enrolled boxes (an external broker reloads asynchronously).
      (await box('box-a')).end(true);
    });

    afterAll(async () => {
      await Promise.all(clients.map((c) => c.endAsync(true)));
      await h?.close();
    });

    it('accepts an enrolled box with its secret', async () => {
      const c = await box('box-a');
      expect(c.connected).toBe(true);
    });

    it('refuses a wrong secret, an unknown box, a pending box and no credentials, all with the one answer CONNACK 5', async () => {
      // The same code whatever the reason: a stranger cannot tell which box ids exist or in what state.
      const codes = [];
      for (const [id, secret] of [['box-a', 'not-the-secret'], ['box-nobody', 'whatever'], ['box-pending', 'whatever']] as const) {
        const e = await connectOutcome(h.url, id, secret);
        expect(e, id).toBeInstanceOf(Error);
        codes.push((e as Error & { code?: number }).code);
      }
      expect(codes).toEqual([5, 5, 5]);
      // No client id at all is refused by the protocol itself, before any credential check.
      expect(await connectOutcome(h.url, '', '')).toBeInstanceOf(Error);
    });

    it('box A cannot publish under box B: nothing reaches the fleet', async () => {
      const seen: string[] = [];
      const unsubscribe = await h.fleet.bus.subscribe('resabox/v1/box/box-b/#', (m) => void seen.push(m.payload.toString()));
      const a = await box('box-a');
      // The broker either drops it (PUBACK, Mosquitto) or cuts the connection (aedes).
      await Promise.race([a.publishAsync(topicFor('state', 'box-b'), stateMessage('online'), { qos: 1 }).catch(() => undefined), closed(a)]);
      await h.fleet.bus.publish(topicFor('command', 'box-b'), 'sentinel', { qos: 1 });
      await waitFor('the sentinel', () => seen.includes('sentinel'));
      expect(seen).toEqual(['sentinel']);
      expect((await h.fleet.store.boxes.get('box-b'))?.online).toBe(false);
      await unsubscribe();
    });

    it('box A cannot subscribe to box B, to a wildcard over boxes, nor to #; its own topics still work', async () => {
      const a = await box('box-a');
      const got: string[] = [];
      a.on('message', (topic) => got.push(topic));
      for (const filter of ['#', 'resabox/v1/box/+/commands', topicFor('command', 'box-b'), 'resabox/v1/#']) await a.subscribeAsync(filter, { qos: 1 }).catch(() => undefined);
      await a.subscribeAsync(topicFor('command', 'box-a'), { qos: 1 });
      await h.fleet.bus.publish(topicFor('command', 'box-b'), 'for-b', { qos: 1 });
      await h.fleet.bus.publish(topicFor('passAck', 'box-b'), 'for-b', { qos: 1 });
      await h.fleet.bus.publish(topicFor('command', 'box-a'), 'for-a', { qos: 1 });
      await waitFor('its own command', () => got.includes(topicFor('command', 'box-a')));
      expect(got.every((t) => t === topicFor('command', 'box-a'))).toBe(true);
    });

    it('a box cannot publish on its own fleet->box topics (a forged command or ack)', async () => {
      const seen: string[] = [];
      const watch = (m: { payload: Buffer }) => void seen.push(m.payload.toString());
      const unsubscribe = await Promise.all([h.fleet.bus.subscribe(topicFor('command', 'box-a'), watch), h.fleet.bus.subscribe(topicFor('passAck', 'box-a'), watch)]);
      for (const kind of ['command', 'passAck'] as const) {
        const forger = await box('box-a');
        await Promise.race([forger.publishAsync(topicFor(kind, 'box-a'), 'forged', { qos: 1 }).catch(() => undefined), closed(forger)]);
      }
      await h.fleet.bus.publish(topicFor('command', 'box-a'), 'sentinel', { qos: 1 });
      await waitFor('the sentinel', () => seen.includes('sentinel'));
      expect(seen).toEqual(['sentinel']);
      await Promise.all(unsubscribe.map((u) => u()));
    });

    it('marks a box online from its state, then offline from its last will when it dies', async () => {
      const c = await box('box-will');
      await c.publishAsync(topicFor('state', 'box-will'), stateMessage('online'), { qos: 1, retain: true });
      await waitFor('online', async () => (await h.fleet.store.boxes.get('box-will'))?.online);
      // Kill the socket without DISCONNECT: the broker must publish the will.
      c.stream.destroy();
      await waitFor('offline from the last will', async () => (await h.fleet.store.boxes.get('box-will'))?.online === false);
      expect(JSON.parse(JSON.stringify(await h.fleet.store.boxes.get('box-will')))).toMatchObject({ online: false, agentVersion: '1.0.0' });
    });

    it('stores a pass batch once when it is sent twice, and acks each only after commit', async () => {
      const c = await box('box-passes');
      // The count is read when the ack arrives (the promise holds it), and awaited at the end.
      const acks: { ack: MessageOf<'passAck'>; storedAtAck: Promise<number> }[] = [];
      c.on('message', (_t, p) => acks.push({ ack: JSON.parse(p.toString()) as MessageOf<'passAck'>, storedAtAck: h.fleet.store.passes.count('box-passes') }));
      await c.subscribeAsync(topicFor('passAck', 'box-passes'), { qos: 1 });
      const batch = Buffer.from(encode('passes', VALID_MESSAGES.passes));
      await c.publishAsync(topicFor('passes', 'box-passes'), batch, { qos: 1 });
      await waitFor('first ack', () => acks.length === 1);
      await c.publishAsync(topicFor('passes', 'box-passes'), batch, { qos: 1 });
      await waitFor('second ack', () => acks.length === 2);
      expect(await Promise.all(acks.map(async (a) => [a.ack.firstSeq, a.ack.lastSeq, a.ack.stored, a.ack.duplicates, await a.storedAtAck]))).toEqual([
        [1201, 1202, 2, 0, 2],
        [1201, 1202, 0, 2, 2],
      ]);
      expect(await h.fleet.store.passes.count('box-passes')).toBe(2);
    });

    it('rejects a malformed batch with a coded error, acks nothing, and keeps ingesting', async () => {
      const c = await box('box-passes');
      const acks: string[] = [];
      c.on('message', (_t, p) => acks.push((JSON.parse(p.toString()) as { batchId: string }).batchId));
      await c.subscribeAsync(topicFor('passAck', 'box-passes'), { qos: 1 });
      const before = { ...h.fleet.ingest.stats.rejected };
      await c.publishAsync(topicFor('passes', 'box-passes'), '{"v":1,"batchId":', { qos: 1 });
      await c.publishAsync(topicFor('passes', 'box-passes'), JSON.stringify({ ...VALID_MESSAGES.passes, batchId: 'b-bad', passes: [{ seq: -1 }] }), { qos: 1 });
      const good = { ...VALID_MESSAGES.passes, batchId: 'b-good', passes: VALID_MESSAGES.passes.passes.map((p) => ({ ...p, seq: p.seq + 100 })) };
      await c.publishAsync(topicFor('passes', 'box-passes'), Buffer.from(encode('passes', good)), { qos: 1 });
      await waitFor('the good batch ack', () => acks.includes('b-good'));
      expect(acks).toEqual(['b-good']);
      expect(h.fleet.ingest.stats.rejected.MQTT_PAYLOAD_NOT_JSON).toBe((before.MQTT_PAYLOAD_NOT_JSON ?? 0) + 1);
      expect(h.fleet.ingest.stats.rejected.MQTT_PAYLOAD_INVALID).toBe((before.MQTT_PAYLOAD_INVALID ?? 0) + 1);
      expect(await h.fleet.store.passes.count('box-passes')).toBe(4);
    });

    it('stores every message of a burst (no loss, no crash under load)', async () => {
      const c = await box('box-b');
      const count = 3000;
      await Promise.all(
        Array.from({ length: count }, (_, i) =>
          c.publishAsync(topicFor('events', 'box-b'), Buffer.from(encode('events', { ...VALID_MESSAGES.events, eventId: `burst-${i}` })), { qos: 1 }),
        ),
      );
      await waitFor('every event stored', async () => (await h.fleet.store.events.list('box-b', count + 10)).length === count, 60_000);
    }, 90_000);

    it('cuts a revoked box off at once and refuses it afterwards', async () => {
      const c = await box('box-revoked');
      await c.publishAsync(topicFor('state', 'box-revoked'), stateMessage('online'), { qos: 1, retain: true });
      await waitFor('online', async () => (await h.fleet.store.boxes.get('box-revoked'))?.online);
      const gone = closed(c);
      await h.fleet.boxAccess.revoke('box-revoked');
      await gone;
      expect(c.connected).toBe(false);
      expect((await h.fleet.store.boxes.get('box-revoked'))?.online).toBe(false);
      expect(await connectOutcome(h.url, 'box-revoked', secrets.get('box-revoked') as string)).toBeInstanceOf(Error);
    });
  });
}
