import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../fleet/broker/credentials.ts';
import { createFleet, type Fleet } from '../../fleet/service.ts';
import { silentLogger } from '../../platform/log.ts';
import { VALID_MESSAGES } from '../../protocol/mqtt/fixtures.ts';
import { encode, topicFor } from '../../protocol/mqtt/index.ts';
import { connectBox, connectOutcome, describeBrokerContract, waitFor } from './broker.contract.ts';

describeBrokerContract('embedded aedes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'resabox-fleet-'));
  const fleet = await createFleet({ databasePath: join(dir, 'fleet.db'), broker: { kind: 'embedded', listen: { tcp: { port: 0, host: '127.0.0.1' } } }, logger: silentLogger });
  return {
    fleet,
    url: `mqtt://127.0.0.1:${fleet.broker?.addresses.tcp}`,
    async close() {
      await fleet.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('embedded broker: admission control', () => {
  it('refuses connections over the connect rate with CONNACK 3 (server unavailable), before checking the secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resabox-fleet-'));
    const fleet = await createFleet({ databasePath: join(dir, 'fleet.db'), broker: { kind: 'embedded', listen: { tcp: { port: 0, host: '127.0.0.1' } }, admission: { perSecond: 0.001, burst: 1, maxInFlight: 64 } }, logger: silentLogger });
    try {
      const secret = 'admission-secret-0123456789';
      await fleet.store.boxes.create({ id: 'box-adm', status: 'active' }, Date.now());
      await fleet.store.boxes.setCredential('box-adm', { credentialHash: await hashSecret(secret), brokerCredentialHash: 'x' });
      const url = `mqtt://127.0.0.1:${fleet.broker?.addresses.tcp}`;
      expect(await connectOutcome(url, 'box-adm', secret)).toBeNull();
      expect(await connectOutcome(url, 'box-adm', secret)).toMatchObject({ code: 3 });
      expect(await connectOutcome(url, 'box-nobody', 'x')).toMatchObject({ code: 3 });
      // At least our two: in a full run, a client of another test file still retrying its closed
      // fleet's ephemeral port can reach this broker once the port is reused, and is refused too.
      expect(fleet.broker?.counters.BROKER_BUSY).toBeGreaterThanOrEqual(2);
      expect(fleet.broker?.counters.BROKER_AUTH_UNKNOWN_BOX).toBe(0);
    } finally {
      await fleet.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('embedded broker: listeners, limits and identities', () => {
  let dir: string;
  let fleet: Fleet;
  let secret: string;
  const serviceSecret = 'service-secret-for-tests';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'resabox-fleet-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    fleet = await createFleet({
      databasePath: join(dir, 'fleet.db'),
      broker: {
        kind: 'embedded',
        listen: {
          tcp: { port: 0, host: '127.0.0.1' },
          tls: { port: 0, host: '127.0.0.1', cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) },
          ws: { port: 0, host: '127.0.0.1' },
        },
        maxPayloadBytes: 64 * 1024,
        service: { username: '_fleet', secretHash: hashSecret(serviceSecret) },
      },
      logger: silentLogger,
    });
    await fleet.store.boxes.create({ id: 'box-x' }, Date.now());
    secret = await fleet.boxAccess.issueSecret('box-x');
  });
  afterAll(async () => {
    await fleet?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const addr = () => fleet.broker?.addresses as { tcp: number; tls: number; ws: number };

  it('accepts a box over TLS with the self-signed certificate as CA, and refuses a client that does not trust it', async () => {
    const ca = readFileSync(join(dir, 'cert.pem'));
    const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${addr().tls}`, { protocolVersion: 4, clientId: 'box-x', username: 'box-x', password: secret, ca, reconnectPeriod: 0 });
    expect(c.connected).toBe(true);
    await c.endAsync();
    await expect(mqtt.connectAsync(`mqtts://127.0.0.1:${addr().tls}`, { protocolVersion: 4, clientId: 'box-x', username: 'box-x', password: secret, reconnectPeriod: 0, connectTimeout: 3000 })).rejects.toThrow();
  });

  it('accepts a box over WebSocket and ingests from it', async () => {
    const c = await mqtt.connectAsync(`ws://127.0.0.1:${addr().ws}/mqtt`, { protocolVersion: 4, clientId: 'box-x', username: 'box-x', password: secret, reconnectPeriod: 0 });
    await c.publishAsync(topicFor('events', 'box-x'), Buffer.from(encode('events', { ...VALID_MESSAGES.events, eventId: 'ws-1' })), { qos: 1 });
    await waitFor('the event', async () => (await fleet.store.events.list('box-x', 10)).some((e) => e.eventId === 'ws-1'));
    await c.endAsync();
  });

  it('answers SUBACK 0x80 to a denied subscription and keeps the session', async () => {
    const c = await connectBox(`mqtt://127.0.0.1:${addr().tcp}`, 'box-x', { secret });
    // mqtt.js rejects a SUBACK holding a failure code; the packet carries the codes.
    const error = (await c.subscribeAsync(['#', topicFor('command', 'box-y'), topicFor('command', 'box-x')], { qos: 1 }).catch((e: unknown) => e)) as { packet?: { granted: number[] } };
    expect(error.packet?.granted).toEqual([128, 128, 1]);
    expect(c.connected).toBe(true);
    await c.endAsync();
  });

  it('refuses a box whose client id is not its box id (it could take over another box session)', async () => {
    // CONNACK 5 like every refused credential: an "identifier rejected" would tell that box-x is active.
    expect(await connectOutcome(`mqtt://127.0.0.1:${addr().tcp}`, 'box-x', secret, 'box-other')).toMatchObject({ code: 5 });
    expect(fleet.broker?.counters.BROKER_AUTH_CLIENT_ID).toBeGreaterThan(0);
  });

  it.each([
    ['over the events topic limit of the contract (16 KiB)', 20 * 1024, 'BROKER_PAYLOAD_TOO_LARGE'],
    ['over the framing limit, cut from the packet header before buffering', 300 * 1024, 'BROKER_PACKET_TOO_LARGE'],
  ] as const)('cuts a box that sends a payload %s, counted, and stores nothing of it', async (_name, bytes, code) => {
    const before = fleet.broker?.counters[code] ?? 0;
    const c = await connectBox(`mqtt://127.0.0.1:${addr().tcp}`, 'box-x', { secret });
    const gone = new Promise<void>((r) => c.once('close', () => r()));
    c.publish(topicFor('events', 'box-x'), Buffer.alloc(bytes, 0x20), { qos: 1 });
    await gone;
    expect(fleet.broker?.counters[code]).toBe(before + 1);
    expect((await fleet.store.events.list('box-x', 10)).every((e) => e.eventId === 'ws-1')).toBe(true);
    c.end(true);
  });

  it('lets the fleet service identity publish and subscribe anywhere', async () => {
    const s = await mqtt.connectAsync(`mqtt://127.0.0.1:${addr().tcp}`, { protocolVersion: 4, clientId: 'fleet-tool', username: '_fleet', password: serviceSecret, reconnectPeriod: 0 });
    const granted = await s.subscribeAsync('resabox/v1/#', { qos: 1 });
    expect(granted[0]?.qos).toBe(1);
    // The subscription also replays retained messages (box-x's last will from a test above,
    // published whenever the broker got to it): wait for the command among them.
    const topics: string[] = [];
    s.on('message', (t) => topics.push(t));
    await s.publishAsync(topicFor('command', 'box-x'), 'x', { qos: 1 });
    await waitFor('the command back through the wildcard subscription', () => topics.includes(topicFor('command', 'box-x')));
    await s.endAsync();
    expect(await connectOutcome(`mqtt://127.0.0.1:${addr().tcp}`, '_fleet', 'wrong')).toBeInstanceOf(Error);
  });
});
