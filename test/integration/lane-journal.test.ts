import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Compile } from 'typebox/compile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clubSnapshot } from '../../agent/access/rights-fixtures.ts';
import { buildBox, type Box } from '../../agent/box/build-box.ts';
import { loadConfigFile } from '../../agent/config/load.ts';
import { PassJournal } from '../../agent/journal/pass-journal.ts';
import { silentLogger } from '../../platform/log.ts';
import { Pass } from '../../protocol/mqtt/schemas/passes.ts';
import { lineDriverBox } from '../support/line-box.ts';
import { FEEDBACK_BYTES, personAtTurnstile, typeBadge, writeCoilFrame } from '../support/mock-line-devices.ts';
import { shiftedClock } from '../support/shifted-clock.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The whole box path with the real configuration loader, the real access rules (rights
 * store + decide()), the real SQLite journal and real lanes. The readers and turnstiles
 * are the byte-level test drivers of test/support/mock-line-devices.ts over MockTransports
 * (the real OSDP / EM4100 / Modbus drivers and simulators were not in main when this was
 * written): a badge is typed as bytes into the reader link, the open is an FC05 frame on
 * the turnstile link, the passage a PASS byte back.
 */
const CONFIG = `
box: { id: club-test }
fleet: { url: "mqtt://127.0.0.1:1883", credentialsFile: creds.json }
dataDir: data
buses:
  - { id: io-entry, transport: { kind: mock, name: io-entry } }
  - { id: io-exit, transport: { kind: mock, name: io-exit } }
devices:
  - { id: reader-entry, kind: em4100, transport: { kind: mock, name: reader-entry } }
  - { id: reader-exit, kind: hid-wedge, transport: { kind: mock, name: reader-exit } }
  - id: tripod-entry
    kind: turnstile
    bus: io-entry
    address: 1
    coils: { unlockIn: 0, unlockOut: 1 }
    inputs: { passIn: 0, passOut: 1 }
    mode: pulse
    pulseMs: 200
    passageWindowMs: 1000
  - id: tripod-exit
    kind: turnstile
    bus: io-exit
    address: 1
    coils: { unlockIn: 0, unlockOut: 1 }
    inputs: { passIn: 0, passOut: 1 }
    mode: pulse
    pulseMs: 200
    passageWindowMs: 1000
lanes:
  - { id: entry, kind: entry, zone: gym, turnstile: tripod-entry, readers: [{ reader: reader-entry, direction: in }] }
  - { id: exit, kind: exit, zone: gym, turnstile: tripod-exit, readers: [{ reader: reader-exit, direction: out }] }
localUi: { port: 8080 }
offline: { rightsMaxAgeHours: 72, whenRightsExpired: deny-all }
lanePolicy: { debounceMs: 300 }
`;

const dir = mkdtempSync(join(tmpdir(), 'lane-journal-'));
const clock = shiftedClock(Date.UTC(2026, 0, 5, 9, 0, 0)); // a Monday, 10:00 in Paris: the gym is open
const devices = lineDriverBox(clock);
let box: Box;
let walksThrough = true;

const rows = () => box.journal.readAfter(0, 100);
const bytesTo = (name: string) => devices.link(name).recording.flatMap((c) => [...c]);

beforeAll(async () => {
  writeFileSync(join(dir, 'box.yaml'), CONFIG);
  const loaded = await loadConfigFile(join(dir, 'box.yaml'));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
  const built = buildBox({ loaded: loaded.value, drivers: devices.drivers, createTransport: devices.createTransport, clock, logger: silentLogger });
  if (!built.ok) throw new Error(JSON.stringify(built.error));
  box = built.value;
  expect(box.rights.applySnapshot(clubSnapshot(4)).ok).toBe(true);
  personAtTurnstile(devices.link('io-entry'), () => walksThrough, 20);
  personAtTurnstile(devices.link('io-exit'), () => walksThrough, 20);
  await box.start();
});

afterAll(async () => {
  await box?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('lane -> journal, end to end', () => {
  it('badge -> green -> open frame -> passage -> a "passed" row on disk', async () => {
    typeBadge(devices.link('reader-entry'), '100000');
    await waitFor(() => rows().length === 1, 5000, 'the passed row');
    expect(rows()[0]).toMatchObject({ seq: 1, laneId: 'entry', direction: 'in', outcome: 'passed', reason: 'granted', memberId: 'm0', rightsVersion: 1, rightId: 'r0' });
    expect(devices.link('io-entry').recording[0]).toEqual(writeCoilFrame(1, 0, true));
    await waitFor(() => bytesTo('reader-entry').includes(FEEDBACK_BYTES.idle), 1000, 'idle feedback');
    expect(bytesTo('reader-entry')).toEqual([FEEDBACK_BYTES.granted, FEEDBACK_BYTES.idle]);
    expect(box.lanes.occupancy('gym')).toBe(1);
  });

  it('unknown badge -> red, no open frame, a "denied" row with the reason', async () => {
    devices.link('io-entry').reset();
    typeBadge(devices.link('reader-entry'), '999999');
    await waitFor(() => rows().length === 2, 5000, 'the denied row');
    expect(rows()[1]).toMatchObject({ seq: 2, laneId: 'entry', outcome: 'denied', reason: 'unknown-credential', memberId: null });
    expect(bytesTo('reader-entry').at(-1)).toBe(FEEDBACK_BYTES.denied);
    expect(devices.link('io-entry').recording).toEqual([]);
  });

  it('granted but nobody walks through -> a "not-passed" row once the window closes', async () => {
    walksThrough = false;
    typeBadge(devices.link('reader-entry'), '100002');
    await waitFor(() => rows().length === 3, 5000, 'the not-passed row');
    walksThrough = true;
    expect(rows()[2]).toMatchObject({ seq: 3, outcome: 'not-passed', reason: 'granted', memberId: 'm2' });
    expect(box.lanes.occupancy('gym')).toBe(1);
  });

  it('exit lane: the member leaves, occupancy goes back to zero', async () => {
    typeBadge(devices.link('reader-exit'), '100000');
    await waitFor(() => rows().length === 4, 5000, 'the exit row');
    expect(rows()[3]).toMatchObject({ seq: 4, laneId: 'exit', direction: 'out', outcome: 'passed' });
    expect(box.lanes.occupancy('gym')).toBe(0);
  });

  it('keeps every row, in order and valid against the contract, after the box stops', async () => {
    await box.stop();
    const reopened = new PassJournal({ path: join(dir, 'data', 'journal.db'), clock, logger: silentLogger });
    try {
      const stored = reopened.readAfter(0, 100);
      expect(stored.map((p) => [p.seq, p.outcome])).toEqual([
        [1, 'passed'],
        [2, 'denied'],
        [3, 'not-passed'],
        [4, 'passed'],
      ]);
      const valid = Compile(Pass);
      for (const p of stored) expect(valid.Errors(p)).toEqual([]);
    } finally {
      reopened.close();
    }
  });
});
