import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import type { Packet } from 'aedes-persistence';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { indexedMemoryPersistence } from './retained-index.ts';

const retained = (topic: string, payload: string) => ({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: true, dup: false, brokerId: 'b', brokerCounter: 1 }) as unknown as Packet;

async function read(stream: AsyncIterable<unknown>): Promise<string[]> {
  const out: string[] = [];
  for await (const p of stream) out.push(`${(p as { topic: string }).topic}=${String((p as { payload: Buffer }).payload)}`);
  return out.sort();
}

const store = (p: ReturnType<typeof indexedMemoryPersistence>, packet: Packet) => new Promise<void>((resolve, reject) => p.storeRetained(packet, (e) => (e ? reject(e) : resolve())));

describe('indexedMemoryPersistence (retained messages by topic)', () => {
  it('answers an exact filter by its topic, a wildcard filter by the scan, and forgets a topic cleared with an empty payload', async () => {
    const p = indexedMemoryPersistence();
    // What aedes does at start: hand it the broker, then it is ready.
    const ready = new Promise((r) => (p as unknown as NodeJS.EventEmitter).once('ready', r));
    (p as unknown as { broker: object }).broker = {};
    await ready;
    for (let i = 0; i < 1000; i++) await store(p, retained(`resabox/v1/box/b-${i}/state`, `s${i}`));
    expect(await read(p.createRetainedStreamCombi(['resabox/v1/box/b-7/state', 'resabox/v1/box/b-7/rights', 'resabox/v1/box/b-999/state']))).toEqual(['resabox/v1/box/b-7/state=s7', 'resabox/v1/box/b-999/state=s999']);
    expect(await read(p.createRetainedStream('resabox/v1/box/b-8/state'))).toEqual(['resabox/v1/box/b-8/state=s8']);
    expect(await read(p.createRetainedStreamCombi(['resabox/v1/box/+/state']))).toHaveLength(1000);
    await store(p, retained('resabox/v1/box/b-7/state', 's7-new'));
    expect(await read(p.createRetainedStreamCombi(['resabox/v1/box/b-7/state']))).toEqual(['resabox/v1/box/b-7/state=s7-new']);
    await store(p, retained('resabox/v1/box/b-7/state', ''));
    expect(await read(p.createRetainedStreamCombi(['resabox/v1/box/b-7/state']))).toEqual([]);
    expect(await read(p.createRetainedStream('resabox/v1/box/+/state'))).toHaveLength(999);
  });

  it('in aedes: a subscriber to an exact topic gets its retained message flagged retained, a wildcard subscriber every one', async () => {
    const broker = await Aedes.createBroker({ persistence: indexedMemoryPersistence() });
    const server = createServer((s) => broker.handle(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const clients: mqtt.MqttClient[] = [];
    try {
      const pub = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
      clients.push(pub);
      await pub.publishAsync('box/a/state', 'A', { qos: 1, retain: true });
      await pub.publishAsync('box/b/state', 'B', { qos: 1, retain: true });
      const got = async (filter: string, count: number) => {
        const sub = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
        clients.push(sub);
        const seen: string[] = [];
        const done = new Promise<void>((resolve) =>
          sub.on('message', (t, p, packet) => {
            seen.push(`${t}=${String(p)}${packet.retain ? ' retained' : ''}`);
            if (seen.length === count) resolve();
          }),
        );
        await sub.subscribeAsync(filter, { qos: 1 });
        await done;
        return seen.sort();
      };
      expect(await got('box/a/state', 1)).toEqual(['box/a/state=A retained']);
      expect(await got('box/+/state', 2)).toEqual(['box/a/state=A retained', 'box/b/state=B retained']);
    } finally {
      await Promise.all(clients.map((c) => c.endAsync()));
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => broker.close(() => r()));
    }
  });
});
