import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, devNull, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, it } from 'vitest';
import { clubSnapshot } from '../../agent/access/rights-fixtures.ts';
import { buildBox } from '../../agent/box/build-box.ts';
import { loadConfigFile } from '../../agent/config/load.ts';
import type { Reader } from '../../agent/devices/reader.ts';
import { lineDriverBox } from '../support/line-box.ts';
import { personAtTurnstile, typeBadge } from '../support/mock-line-devices.ts';
import { shiftedClock } from '../support/shifted-clock.ts';
import { percentiles } from './percentiles.ts';

/**
 * Lane latency: from the moment the reader driver receives the last byte of a badge frame
 * (its data callback, CredentialPresented.at) to the moment the turnstile driver hands the
 * first byte of its open command (a Modbus FC05 frame) to its transport. Everything in
 * between is the real agent: config loader, box composition, lane state machine, real
 * decide() over a real rights store of 1000 members, the pino decision line (to the null
 * device), the real SQLite journal committing the previous passes. The reader and
 * turnstile drivers are the byte-level test drivers over MockTransports
 * (test/support/mock-line-devices.ts), not the OSDP / Modbus drivers.
 */
const PASSES = 3000;
const dir = mkdtempSync(join(tmpdir(), 'lane-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = `
box: { id: bench-box }
fleet: { url: "mqtt://127.0.0.1:1883", credentialsFile: creds.json }
dataDir: data
buses: [{ id: io, transport: { kind: mock, name: io } }]
devices:
  - { id: reader-entry, kind: em4100, transport: { kind: mock, name: reader-entry } }
  - id: tripod-entry
    kind: turnstile
    bus: io
    address: 1
    coils: { unlockIn: 0, unlockOut: 1 }
    inputs: { passIn: 0, passOut: 1 }
    mode: pulse
    pulseMs: 200
    passageWindowMs: 5000
lanes:
  - { id: entry, kind: entry, zone: gym, turnstile: tripod-entry, readers: [{ reader: reader-entry, direction: in }] }
localUi: { port: 8080 }
offline: { rightsMaxAgeHours: 72, whenRightsExpired: deny-all }
lanePolicy: { debounceMs: 0 }
`;

describe('lane latency', () => {
  it(`last reader byte -> first byte of the open command, ${PASSES} granted passes`, async () => {
    writeFileSync(join(dir, 'box.yaml'), CONFIG);
    const loaded = await loadConfigFile(join(dir, 'box.yaml'));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
    const clock = shiftedClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const devices = lineDriverBox(clock);
    const logger = pino({ level: 'info' }, pino.destination({ dest: devNull, sync: true }));
    const built = buildBox({ loaded: loaded.value, drivers: devices.drivers, createTransport: devices.createTransport, clock, logger });
    if (!built.ok) throw new Error(JSON.stringify(built.error));
    const box = built.value;
    box.rights.applySnapshot(clubSnapshot(1000));
    personAtTurnstile(devices.link('io'), () => true, 0);
    await box.start();

    const turnstile = devices.turnstiles.get('tripod-entry');
    const reader = box.devices.get('reader-entry') as Reader;
    const lane = box.lanes.lane('entry');
    const latenciesUs: number[] = [];
    // Registered after the lane's listener: by the time it runs, the lane has issued the open.
    reader.onCredential((e) => {
      if (turnstile && turnstile.lastOpenWriteAt >= e.at) latenciesUs.push((turnstile.lastOpenWriteAt - e.at) * 1000);
    });
    for (let i = 0; i < PASSES; i++) {
      typeBadge(devices.link('reader-entry'), String(100000 + ((2 * i) % 1000)));
      while (latenciesUs.length <= i || lane.phase !== 'idle') await new Promise<void>((r) => setImmediate(r));
    }
    const rows = box.journal.stats().lastSeq;
    await box.stop();
    const [p50, p99, max] = percentiles(latenciesUs, [50, 99, 100]).map((v) => v.toFixed(0));
    console.log(
      `lane latency (last reader byte -> first byte of turnstile open, MockTransport-backed test drivers, real decide + journal): ` +
        `${latenciesUs.length} grants, p50 ${p50} µs, p99 ${p99} µs, max ${max} µs; ${rows} journal rows; load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs`,
    );
  });
});
