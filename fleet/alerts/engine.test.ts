import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { VALID_MESSAGES } from '../../protocol/mqtt/fixtures.ts';
import type { HealthMessage } from '../../protocol/mqtt/index.ts';
import { deviceStatuses, healthMetrics } from '../ingest/mapping.ts';
import { openSqliteStore, type SqliteFleetStore } from '../store/sqlite-store.ts';
import { AlertEngine, type AlertChange } from './engine.ts';

const MIN = 60_000;
let clock: ManualClock;
let store: SqliteFleetStore;
let engine: AlertEngine;
let changes: AlertChange[];

beforeEach(async () => {
  clock = new ManualClock();
  store = openSqliteStore(':memory:');
  await store.clubs.upsert({ id: 'club-1', name: 'Club', timezone: 'Europe/Paris', openingHours: {} }, clock.now());
  await store.boxes.create({ id: 'box-a', clubId: 'club-1', status: 'active' }, clock.now());
  await store.boxes.setOnline('box-a', true, clock.now());
  changes = [];
  engine = new AlertEngine({ store, clock, logger: silentLogger, tickMs: 15_000, onChange: (c) => changes.push(c) });
  engine.start();
});
afterEach(async () => {
  engine.stop();
  await store.close();
});

type Patch = { [K in keyof HealthMessage]?: HealthMessage[K] extends object ? Partial<HealthMessage[K]> | HealthMessage[K] : HealthMessage[K] };

/** What ingest does with a health report, then the evaluation it triggers. */
async function health(patch: Patch = {}): Promise<void> {
  const base = VALID_MESSAGES.health;
  const h = {
    ...base,
    devices: [{ deviceId: 'printer', kind: 'printer', state: 'online', since: clock.now() }],
    ...patch,
    ts: clock.now(),
    disk: { ...base.disk, ...(patch.disk ?? {}) },
    journal: { ...base.journal, ...(patch.journal ?? {}) },
    rights: { ...base.rights, ...(patch.rights ?? {}) },
  } as HealthMessage;
  await store.boxes.recordHealth('box-a', { ...h, receivedAt: clock.now() }, clock.now());
  await store.health.insert('box-a', clock.now(), healthMetrics(h));
  await store.devices.upsert('box-a', deviceStatuses(h), clock.now());
  await engine.evaluate('box-a');
}

async function event(kind: string, deviceId = 'printer'): Promise<void> {
  await store.events.insert('box-a', { eventId: `e-${clock.now()}-${kind}`, at: clock.now(), kind, severity: 'warning', subject: deviceId, data: {} }, clock.now());
  await engine.evaluate('box-a');
}

async function online(on: boolean): Promise<void> {
  await store.boxes.setOnline('box-a', on, clock.now());
  await engine.evaluate('box-a');
}

const open = async () => (await store.alerts.listOpen('box-a')).map((a) => `${a.rule}:${a.subject}:${a.severity}`);

interface Scenario {
  name: string;
  steps: (() => unknown)[];
  /** Open alerts after each step. */
  expected: string[][];
}

/** Lets the alert tick that `advance` fired run to its end (the store answers within the turn). */
const settle = () => new Promise((resolve) => setImmediate(resolve));
const advance = (ms: number) => async () => {
  clock.advance(ms);
  await settle();
};

const scenarios: Scenario[] = [
  {
    name: 'box offline opens only after the threshold and resolves when it is back',
    steps: [() => online(false), advance(MIN), advance(MIN + 15_000), () => online(true)],
    expected: [[], [], ['box-offline::critical'], []],
  },
  {
    name: 'device offline opens on the tick after the threshold, resolves on the next report',
    steps: [() => health({ devices: [{ deviceId: 'printer', kind: 'printer', state: 'offline', since: clock.now() }] }), advance(30_000), advance(45_000), () => health()],
    expected: [[], [], ['device-offline:printer:critical'], []],
  },
  {
    name: 'printer paper near end, then end (same alert, worse), then ok',
    steps: [() => event('printer.paper-near-end'), () => event('printer.paper-end'), () => event('printer.ok')],
    expected: [['printer:printer:warning'], ['printer:printer:critical'], []],
  },
  {
    name: 'printer cover open',
    steps: [() => event('printer.cover-open'), () => event('printer.ok')],
    expected: [['printer:printer:critical'], []],
  },
  {
    name: 'pass backlog: stuck for too long, then drained',
    steps: [() => health({ journal: { backlog: 5, oldestUnsentTs: clock.now() - 2 * MIN } }), () => health({ journal: { backlog: 9, oldestUnsentTs: clock.now() - 11 * MIN } }), () => health({ journal: { backlog: 0, oldestUnsentTs: null } })],
    expected: [[], ['pass-backlog::warning'], []],
  },
  {
    name: 'pass backlog: too many passes at once',
    steps: [() => health({ journal: { backlog: 1500, oldestUnsentTs: clock.now() } })],
    expected: [['pass-backlog::warning']],
  },
  {
    name: 'pass backlog growing at every report, then shrinking',
    steps: [60, 80, 120, 200, 150].map((backlog) => async () => {
      clock.advance(30_000);
      await settle();
      await health({ journal: { backlog, oldestUnsentTs: clock.now() - 60_000 } });
    }),
    expected: [[], [], [], ['pass-backlog::warning'], []],
  },
  {
    name: 'clock drift from the box measurement',
    steps: [() => health({ clockOffsetMs: 8_000 }), () => health({ clockOffsetMs: -100 })],
    expected: [['clock-drift::warning'], []],
  },
  {
    name: 'disk nearly full, then full, then cleaned',
    steps: [() => health({ disk: { totalBytes: 100, freeBytes: 8 } }), () => health({ disk: { totalBytes: 100, freeBytes: 3 } }), () => health({ disk: { totalBytes: 100, freeBytes: 50 } })],
    expected: [['disk-full::warning'], ['disk-full::critical'], []],
  },
  {
    name: 'rights snapshot older than a day',
    steps: [() => health({ rights: { version: 3, ageS: 25 * 3600 } }), () => health({ rights: { version: 3, ageS: 60 } })],
    expected: [['rights-stale::warning'], []],
  },
  {
    name: 'rights behind the club version for too long',
    steps: [
      () => store.db.prepare('INSERT INTO rights_versions (club_id, version, updated_at) VALUES (?, ?, ?)').run('club-1', 10, clock.now()),
      () => health({ rights: { version: 9, ageS: 60 } }),
      advance(16 * MIN),
      () => store.boxes.recordRightsStatus('box-a', 10, clock.now()),
      () => health({ rights: { version: 10, ageS: 0 } }),
    ],
    expected: [[], [], ['rights-stale::warning'], ['rights-stale::warning'], []],
  },
  {
    name: 'health alerts are kept, not resolved, while the box is offline (its report is stale)',
    steps: [() => health({ clockOffsetMs: 8_000 }), () => online(false), advance(3 * MIN), () => online(true)],
    expected: [['clock-drift::warning'], ['clock-drift::warning'], ['box-offline::critical', 'clock-drift::warning'], ['clock-drift::warning']],
  },
];

describe('alert rules', () => {
  it.each(scenarios)('$name', async ({ steps, expected }) => {
    for (const [i, step] of steps.entries()) {
      await step();
      expect((await open()).sort(), `after step ${i}`).toEqual([...(expected[i] ?? [])].sort());
    }
  });

  it('keeps history: an alert that resolves and comes back is a second row', async () => {
    await event('printer.cover-open');
    await event('printer.ok');
    await advance(MIN)();
    await event('printer.cover-open');
    expect((await store.alerts.history('box-a', 10)).map((a) => a.status)).toEqual(['open', 'resolved']);
    expect(changes.map((c) => c.kind)).toEqual(['opened', 'resolved', 'opened']);
  });

  it('a revoked box is not reported offline', async () => {
    await online(false);
    await advance(3 * MIN)();
    expect(await open()).toEqual(['box-offline::critical']);
    await store.boxes.setStatus('box-a', 'revoked', clock.now());
    await advance(15_000)();
    expect(await open()).toEqual([]);
  });
});

describe('alert tick over many boxes', () => {
  it('evaluates every box, in slices that leave the event loop free in between', async () => {
    // Created (never seen online) long enough ago to count as offline.
    for (let i = 0; i < 450; i++) await store.boxes.create({ id: `box-${i}`, status: 'active' }, clock.now() - 3 * MIN);
    const ticking = engine.tick();
    await settle();
    expect(await store.alerts.listOpen()).toHaveLength(200);
    await ticking;
    expect((await store.alerts.listOpen()).filter((a) => a.rule === 'box-offline')).toHaveLength(450);
  });
});
