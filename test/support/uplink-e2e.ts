import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { buildBox, type Box } from '../../agent/box/build-box.ts';
import { loadConfigFile } from '../../agent/config/load.ts';
import { createBoxUplink } from '../../agent/uplink/box-uplink.ts';
import type { Uplink } from '../../agent/uplink/uplink.ts';
import { systemClock, type Clock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { startFleetService, type FleetService, type FleetServiceOptions } from '../../fleet/cli/fleet-service.ts';
import type { Role } from '../../fleet/store/token-registry.ts';
import type { PassRecord } from '../../agent/journal/pass-record.ts';
import { enrollBox, type Json, type TestFleet } from './fleet-harness.ts';
import { Em4100ReaderSim } from '../../firmware-sim/em4100/em4100-sim.ts';
import { testDriverBox } from './test-driver-box.ts';
import { createTurnstileSim } from '../../firmware-sim/turnstile/index.ts';

/** The real wall clock moved by `offsetMs` (a box whose clock runs ahead of the fleet's). */
export function adjustableClock(): Clock & { offsetMs: number } {
  const clock = { ...systemClock, offsetMs: 0, now: () => Date.now() + clock.offsetMs };
  return clock;
}

export interface E2eFleet {
  readonly svc: FleetService;
  readonly mqttUrl: string;
  call(role: Role, method: string, url: string, body?: unknown): Promise<{ status: number; body: Json }>;
  close(): Promise<void>;
}

/**
 * A fleet on a given data directory and MQTT port (port 0: ephemeral), with the real
 * clock: restarting it on the same directory and port is a fleet (and embedded broker)
 * restart as boxes see it. API calls go through fastify's inject with an admin token.
 */
export async function startFleetAt(dataDir: string, mqttPort = 0, extra: Pick<FleetServiceOptions, 'enrollmentRateLimit'> = {}): Promise<E2eFleet> {
  const svc = await startFleetService({ dataDir, clock: systemClock, logger: silentLogger, mqttListen: { tcp: { port: mqttPort, host: '127.0.0.1' } }, ...extra });
  const token = (await svc.api.ctx.tokens.create(`e2e-${randomBytes(3).toString('hex')}`, 'admin', Date.now())).token;
  return {
    svc,
    mqttUrl: `mqtt://127.0.0.1:${svc.mqttAddresses.tcp}`,
    async call(_role, method, url, body) {
      const res = await svc.api.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body as object }) });
      return { status: res.statusCode, body: JSON.parse(res.body || 'null') };
    },
    close: () => svc.close(),
  };
}

export async function enrollOn(fleet: E2eFleet, boxId: string, clubId: string): Promise<string> {
  await fleet.call('admin', 'PUT', `/v1/clubs/${clubId}`, { name: clubId, timezone: 'Europe/Paris' });
  return (await enrollBox(fleet as unknown as TestFleet, boxId, clubId)).password;
}

const DAY = 86_400_000;
export const zoneGym = { id: 'gym', name: 'Gym', timezone: 'Europe/Paris', capacity: null, periods: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, from: '00:00', to: '24:00' })), exceptions: [], antiPassback: 'none', antiPassbackMinutes: null, minReentryMinutes: null, bookingWindow: null };
/** A member with a badge and a subscription to the gym valid around now. */
export function memberWithBadge(n: number, badge: string, now = Date.now()) {
  return {
    members: [{ id: `m-${n}`, displayName: `Member ${n}`, subscriptionEnd: now + 30 * DAY, blockingAlerts: [] }],
    credentials: [{ id: `c-${n}`, memberId: `m-${n}`, kind: 'badge', value: badge, validFrom: null, validTo: null }],
    rights: [{ id: `r-${n}`, memberId: `m-${n}`, kind: 'subscription', zoneIds: ['gym'], validFrom: now - DAY, validTo: now + 30 * DAY, visitsLeft: null, maxEntriesPerDay: null }],
  };
}

const boxYaml = (boxId: string, url: string) => `
box: { id: ${boxId} }
fleet: { url: "${url}", credentialsFile: creds.json }
dataDir: data
buses:
  - { id: io-entry, transport: { kind: mock, name: io-entry } }
devices:
  - { id: reader-entry, kind: em4100, transport: { kind: mock, name: reader-entry } }
  - id: tripod-entry
    kind: turnstile
    bus: io-entry
    address: 1
    coils: { unlockIn: 0, unlockOut: 1 }
    inputs: { passIn: 0, passOut: 1, fireLoopClosed: 2, ready: 3, alarm: 4 }
    mode: pulse
    pulseMs: 200
    passageWindowMs: 1500
lanes:
  - { id: entry, kind: entry, zone: gym, turnstile: tripod-entry, readers: [{ reader: reader-entry, direction: in }] }
localUi: { port: 8080 }
offline: { rightsMaxAgeHours: 72, whenRightsExpired: deny-all }
lanePolicy: { debounceMs: 0 }
`;

export interface E2eBox {
  readonly box: Box;
  readonly uplink: Uplink;
  /** Presents an EM4100 tag (version 0) at the entry reader's simulator: badge number `tag`. */
  badge(tag: number): void;
  stop(): Promise<void>;
}

/**
 * A whole box in this process: real config loader, journal and rights SQLite files in
 * `dir`, real lanes and decide(), the real EM4100 reader and Modbus turnstile drivers
 * against their firmware-sim simulators (a person walks through each open), all over
 * MockTransports, and the real uplink.
 */
export async function startE2eBox(o: { dir: string; boxId: string; url: string; password: string; clock: Clock; backoff?: { baseMs: number; capMs: number; stableMs: number } }): Promise<E2eBox> {
  mkdirSync(o.dir, { recursive: true });
  writeFileSync(join(o.dir, 'box.yaml'), boxYaml(o.boxId, o.url));
  writeFileSync(join(o.dir, 'creds.json'), JSON.stringify({ username: o.boxId, password: o.password }), { mode: 0o600 });
  const loaded = await loadConfigFile(join(o.dir, 'box.yaml'));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
  const devices = testDriverBox();
  const em4100 = new Em4100ReaderSim(devices.link('reader-entry'), { clock: o.clock });
  const built = buildBox({ loaded: loaded.value, drivers: devices.drivers, createTransport: devices.createTransport, clock: o.clock, logger: silentLogger });
  if (!built.ok) throw new Error(JSON.stringify(built.error));
  const box = built.value;
  const arm = createTurnstileSim(devices.link('io-entry'), o.clock, { windowMs: 1200, personDelayMs: [20, 50] });
  await box.start();
  const uplink = createBoxUplink({
    box,
    config: loaded.value.config,
    dataDir: loaded.value.dataDir,
    password: o.password,
    agentVersion: '0.1.0-e2e',
    clock: o.clock,
    logger: silentLogger,
    restartAgent: () => undefined,
    tuning: { healthIntervalMs: 1000, outbox: { ackTimeoutMs: 10_000, pollMs: 50 }, backoff: o.backoff ?? { baseMs: 100, capMs: 1000, stableMs: 5000 } },
  });
  uplink.start();
  return {
    box,
    uplink,
    badge(tag) {
      em4100.present({ version: 0, tag });
      em4100.remove();
    },
    async stop() {
      await uplink.stop();
      await box.stop();
      arm.dispose();
    },
  };
}

/** A pass as the lanes journal it (a denial at the entry lane), for traffic without devices. */
export function trafficPass(n: number, at = Date.now()): PassRecord {
  return { ts: at, decidedAt: at, laneId: 'entry', direction: 'in', outcome: 'denied', reason: 'unknown-credential', memberId: null, credential: { kind: 'badge', hash: (0x10000000 + n).toString(16) }, rightsVersion: null, rightId: null, operator: null, note: `traffic ${n}`, latencyUs: null };
}

export interface StoredPasses {
  readonly count: number;
  readonly distinct: number;
  readonly minSeq: number | null;
  readonly maxSeq: number | null;
  /** True if rows were stored in seq order (rowid order = arrival order). */
  readonly inOrder: boolean;
}

/** What the fleet's SQLite file holds for a box (read-only, works while another process writes). */
export function storedPasses(fleetDb: string, boxId: string): StoredPasses {
  const db = new Database(fleetDb, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const agg = db.prepare('SELECT count(*) AS count, count(DISTINCT seq) AS distinct_, min(seq) AS minSeq, max(seq) AS maxSeq FROM passes WHERE box_id = ?').get(boxId) as { count: number; distinct_: number; minSeq: number | null; maxSeq: number | null };
    const seqs = db.prepare('SELECT seq FROM passes WHERE box_id = ? ORDER BY rowid').pluck().all(boxId) as number[];
    let inOrder = true;
    for (let i = 1; i < seqs.length; i++) if ((seqs[i] as number) <= (seqs[i - 1] as number)) inOrder = false;
    return { count: agg.count, distinct: agg.distinct_, minSeq: agg.minSeq, maxSeq: agg.maxSeq, inOrder };
  } finally {
    db.close();
  }
}

/** Polls (real time) until `probe` returns a value; generous by default for a loaded machine. */
export async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
