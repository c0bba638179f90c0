import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { startFleetService, type FleetService, type FleetServiceOptions } from '../../fleet/cli/fleet-service.ts';
import type { Role } from '../../fleet/store/token-registry.ts';

/** A parsed response or MQTT payload: tests read it field by field and assert each one. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const ROLE_LIST: readonly Role[] = ['viewer', 'technician', 'support', 'admin'];

export interface TestFleet {
  readonly svc: FleetService;
  readonly clock: ManualClock;
  readonly mqttUrl: string;
  readonly tokens: Record<Role, string>;
  call(role: Role | null, method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Json; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

/**
 * A whole fleet on a temp SQLite file and an embedded broker on an ephemeral port, with a
 * ManualClock (expiries move only when a test says so) and one API token per role.
 */
export async function startTestFleet(options: Pick<FleetServiceOptions, 'enrollmentRateLimit' | 'externalBroker' | 'http' | 'maxArtifactBytes' | 'repositoryKeysDir' | 'notifications'> = {}): Promise<TestFleet> {
  const dir = mkdtempSync(join(tmpdir(), 'resabox-fleet-api-'));
  const clock = new ManualClock(Date.now());
  const svc = await startFleetService({ dataDir: dir, clock, logger: silentLogger, mqttListen: { tcp: { port: 0, host: '127.0.0.1' } }, ...options });
  const tokens = Object.fromEntries(await Promise.all(ROLE_LIST.map(async (r) => [r, (await svc.api.ctx.tokens.create(`${r}-user`, r, clock.now())).token]))) as Record<Role, string>;
  return {
    svc,
    clock,
    mqttUrl: options.externalBroker?.url ?? `mqtt://127.0.0.1:${svc.mqttAddresses.tcp}`,
    tokens,
    async call(role, method, url, body, headers = {}) {
      const res = await svc.api.inject({
        method: method as 'GET',
        url,
        headers: { ...(role ? { authorization: `Bearer ${tokens[role]}` } : {}), ...headers },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      let parsed: unknown = res.body;
      try {
        parsed = JSON.parse(res.body);
      } catch {
        // CSV, HTML: left as text
      }
      return { status: res.statusCode, body: parsed, headers: res.headers };
    },
    async close() {
      await svc.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');

export interface EnrolledBox {
  boxId: string;
  password: string;
}

/** The whole enrollment through the API: box with code, presented, accepted, credentials polled. */
export async function enrollBox(f: TestFleet, boxId: string, clubId: string): Promise<EnrolledBox> {
  const created = await f.call('technician', 'POST', '/v1/boxes', { id: boxId, clubId });
  if (created.status !== 201) throw new Error(`box create: ${JSON.stringify(created.body)}`);
  const secret = randomBytes(24).toString('base64url');
  const presented = await f.call(null, 'POST', '/v1/enrollments', { code: created.body.enrollment.code, hardware: { model: 'test' }, agentVersion: '1.0.0', pollSecretHash: sha256Hex(secret) });
  if (presented.status !== 202) throw new Error(`present: ${JSON.stringify(presented.body)}`);
  await f.call('technician', 'POST', `/v1/enrollments/${presented.body.enrollmentId}/accept`, {});
  const polled = await f.call(null, 'POST', `/v1/enrollments/${presented.body.enrollmentId}/poll`, { pollSecret: secret });
  if (polled.body.status !== 'delivered') throw new Error(`poll: ${JSON.stringify(polled.body)}`);
  return { boxId, password: polled.body.credentials.password };
}

/**
 * An mqtt.js client playing the box (MQTT 3.1.1, no automatic reconnect). `retryForMs`
 * retries refused connections: an external broker reloads its password file asynchronously.
 */
export async function connectBox(url: string, boxId: string, password: string, retryForMs = 0): Promise<MqttClient> {
  const deadline = Date.now() + retryForMs;
  for (;;) {
    try {
      return await mqtt.connectAsync(url, { protocolVersion: 4, clientId: boxId, username: boxId, password, reconnectPeriod: 0, connectTimeout: 5000, clean: true });
    } catch (e) {
      if (Date.now() >= deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Resolves with the first message on `topic` for which `accept` is true. */
export function nextMessage(client: MqttClient, topic: string, accept: (payload: Json) => boolean = () => true): Promise<Json> {
  return new Promise((resolve) => {
    const onMessage = (t: string, p: Buffer) => {
      if (t !== topic) return;
      const value = JSON.parse(p.toString('utf8'));
      if (!accept(value)) return;
      client.off('message', onMessage);
      resolve(value);
    };
    client.on('message', onMessage);
  });
}

/** Polls `probe` (event-loop turns, no fixed sleeps) until it returns a value. */
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, attempts = 500): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
