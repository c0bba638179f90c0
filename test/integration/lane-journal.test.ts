import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Compile } from 'typebox/compile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clubSnapshot } from '../../agent/access/rights-fixtures.ts';
import { buildBox, type Box } from '../../agent/box/build-box.ts';
import { loadConfigFile } from '../../agent/config/load.ts';
import { PassJournal } from '../../agent/journal/pass-journal.ts';
import { Em4100ReaderSim } from '../../firmware-sim/em4100/em4100-sim.ts';
import { HidScannerSim } from '../../firmware-sim/hid-scanner/hid-scanner-sim.ts';
import { SimulatedOsdpBus } from '../../firmware-sim/osdp/bus.ts';
import { SimulatedPd } from '../../firmware-sim/osdp/pd.ts';
import { createTurnstileSim, type SimulatedTurnstile } from '../../firmware-sim/turnstile/index.ts';
import { silentLogger } from '../../platform/log.ts';
import { Pass } from '../../protocol/mqtt/schemas/passes.ts';
import { LED_COLOUR } from '../../protocol/osdp/index.ts';
import { shiftedClock } from '../support/shifted-clock.ts';
import { testDriverBox } from '../support/test-driver-box.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * A club box end to end, every part real: the configuration loader and composition root,
 * the reader drivers (OSDP with secure channel, EM4100, HID keyboard wedge) and the Modbus
 * turnstile driver against the firmware-sim simulators (readers, I/O module + turnstile
 * arm), the access rules (rights store + decide()), the SQLite journal, the lanes. Every
 * link is a MockTransport joined in memory.
 */
const KEY_HEX = '00112233445566778899aabbccddeeff';
const turnstile = (id: string, bus: string) => `
  - id: ${id}
    kind: turnstile
    bus: ${bus}
    address: 1
    coils: { unlockIn: 0, unlockOut: 1 }
    inputs: { passIn: 0, passOut: 1, fireLoopClosed: 2, ready: 3, alarm: 4 }
    mode: pulse
    pulseMs: 200
    passageWindowMs: 1500`;
const CONFIG = `
box: { id: club-test }
fleet: { url: "mqtt://127.0.0.1:1883", credentialsFile: creds.json }
dataDir: data
buses:
  - { id: osdp-bus, transport: { kind: mock, name: osdp-bus } }
  - { id: io-entry, transport: { kind: mock, name: io-entry } }
  - { id: io-exit, transport: { kind: mock, name: io-exit } }
  - { id: io-pmr, transport: { kind: mock, name: io-pmr } }
devices:
  - { id: reader-entry, kind: osdp, bus: osdp-bus, address: 1, secureChannel: { keyRef: "file:keys/reader-entry.scbk" } }
  - { id: reader-exit, kind: em4100, transport: { kind: mock, name: reader-exit } }
  - { id: reader-pmr-in, kind: hid-wedge, transport: { kind: mock, name: reader-pmr-in } }
${turnstile('tripod-entry', 'io-entry')}
${turnstile('tripod-exit', 'io-exit')}
${turnstile('gate-pmr', 'io-pmr')}
lanes:
  - { id: entry, kind: entry, zone: gym, turnstile: tripod-entry, readers: [{ reader: reader-entry, direction: in }] }
  - { id: exit, kind: exit, zone: gym, turnstile: tripod-exit, readers: [{ reader: reader-exit, direction: out }] }
  - { id: pmr, kind: accessible, zone: gym, turnstile: gate-pmr, readers: [{ reader: reader-pmr-in, direction: in }] }
localUi: { port: 8080 }
offline: { rightsMaxAgeHours: 72, whenRightsExpired: deny-all }
lanePolicy: { debounceMs: 300 }
`;

const dir = mkdtempSync(join(tmpdir(), 'lane-journal-'));
const clock = shiftedClock(Date.UTC(2026, 0, 5, 9, 0, 0)); // a Monday, 10:00 in Paris: the gym is open
const devices = testDriverBox();
const pd = new SimulatedPd({ address: 1, scbk: Uint8Array.from(Buffer.from(KEY_HEX, 'hex')) });
const em4100 = new Em4100ReaderSim(devices.link('reader-exit'), { clock });
const hidEnd = devices.link('reader-pmr-in');
const scanner = new HidScannerSim({ write: (d) => hidEnd.write(d), onData: (l) => hidEnd.onData(l), plug: () => undefined, unplug: () => undefined }, { clock });
const arms = Object.fromEntries(
  ['io-entry', 'io-exit', 'io-pmr'].map((io) => [io, createTurnstileSim(devices.link(io), clock, { windowMs: 1200, personDelayMs: [50, 100] })]),
) as Record<string, SimulatedTurnstile>;
let osdpBus: SimulatedOsdpBus;
let box: Box;

const rows = () => box.journal.readAfter(0, 100);

beforeAll(async () => {
  writeFileSync(join(dir, 'box.yaml'), CONFIG);
  mkdirSync(join(dir, 'data', 'keys'), { recursive: true });
  writeFileSync(join(dir, 'data', 'keys', 'reader-entry.scbk'), `${KEY_HEX}\n`);
  const loaded = await loadConfigFile(join(dir, 'box.yaml'));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
  const built = buildBox({ loaded: loaded.value, drivers: devices.drivers, createTransport: devices.createTransport, clock, logger: silentLogger });
  if (!built.ok) throw new Error(JSON.stringify(built.error));
  box = built.value;
  expect(box.rights.applySnapshot(clubSnapshot(6)).ok).toBe(true);
  osdpBus = new SimulatedOsdpBus(devices.link('osdp-bus'), [pd]);
  await box.start();
  await waitFor(() => box.devices.get('reader-entry')?.status().state === 'online' && pd.secureChannelActive, 10_000, 'the OSDP reader online with its secure channel');
});

afterAll(async () => {
  await box?.stop();
  osdpBus?.detach();
  for (const arm of Object.values(arms)) arm.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('a club box, end to end', () => {
  it('OSDP card of a member -> green -> unlock relay -> the arm turns -> a "passed" row on disk', async () => {
    pd.presentCard(1, 34464); // Wiegand 26, facility 1, card 34464 = badge 100000 (member m0)
    await waitFor(() => rows().length === 1, 5000, 'the passed row');
    expect(rows()[0]).toMatchObject({ seq: 1, laneId: 'entry', direction: 'in', outcome: 'passed', reason: 'granted', memberId: 'm0', rightsVersion: 1, rightId: 'r0', credential: { kind: 'badge' } });
    expect(arms['io-entry']?.passages).toEqual([expect.objectContaining({ direction: 'in', kind: 'granted' })]);
    expect(pd.commandLog).toContain('led');
    expect(box.lanes.occupancy('gym')).toBe(1);
  });

  it('unknown card -> red flashing LED, no unlock, a "denied" row with the reason', async () => {
    pd.presentCard(2, 5);
    await waitFor(() => rows().length === 2, 5000, 'the denied row');
    expect(rows()[1]).toMatchObject({ seq: 2, laneId: 'entry', outcome: 'denied', reason: 'unknown-credential', memberId: null });
    await waitFor(() => pd.leds.get(0)?.temporary?.onColour === LED_COLOUR.RED, 2000, 'the red LED');
    expect(arms['io-entry']?.isOpen('in')).toBe(false);
    expect(arms['io-entry']?.passages).toHaveLength(1);
  });

  it('granted but nobody walks through -> a "not-passed" row once the window closes', async () => {
    arms['io-entry']?.nextPerson('in', { kind: 'walk-away' });
    pd.presentCard(1, 34466); // badge 100002, member m2
    await waitFor(() => rows().length === 3, 5000, 'the not-passed row');
    expect(rows()[2]).toMatchObject({ seq: 3, outcome: 'not-passed', reason: 'granted', memberId: 'm2' });
    expect(box.lanes.occupancy('gym')).toBe(1);
  });

  it('EM4100 exit: the member leaves, occupancy goes back to zero', async () => {
    em4100.present({ version: 0, tag: 100000 });
    em4100.remove();
    await waitFor(() => rows().length === 4, 5000, 'the exit row');
    expect(rows()[3]).toMatchObject({ seq: 4, laneId: 'exit', direction: 'out', outcome: 'passed', memberId: 'm0' });
    expect(box.lanes.occupancy('gym')).toBe(0);
  });

  it('HID wedge at the accessible gate: a typed badge number opens it', async () => {
    scanner.scan('100004');
    await waitFor(() => rows().length === 5, 5000, 'the accessible gate row');
    expect(rows()[4]).toMatchObject({ seq: 5, laneId: 'pmr', direction: 'in', outcome: 'passed', memberId: 'm4' });
    expect(box.lanes.occupancy('gym')).toBe(1);
  });

  it('fire alarm on one turnstile loop: every lane journals the switch, a credential passes without a rights check', async () => {
    arms['io-entry']?.setFireAlarm(true);
    await waitFor(() => rows().length === 8, 5000, 'the fire-alarm switch rows');
    expect(rows().slice(5).map((p) => [p.laneId, p.outcome, p.note])).toEqual(
      ['entry', 'exit', 'pmr'].map((lane) => [lane, 'emergency', 'mode normal -> fire-alarm (turnstile:tripod-entry)']),
    );
    scanner.scan('999999'); // unknown, yet the accessible gate opens for it during a fire alarm
    await waitFor(() => rows().length === 9, 5000, 'the emergency passage row');
    expect(rows()[8]).toMatchObject({ laneId: 'pmr', outcome: 'emergency', reason: 'emergency', memberId: null });
    // The gate's arm turned: the person counts, as a confirmed emergency passage.
    await waitFor(() => box.lanes.occupancy('gym') === 2, 5000, 'the emergency passage counted');
    arms['io-entry']?.setFireAlarm(false);
    await waitFor(() => rows().length === 12, 5000, 'the back-to-normal rows');
  });

  it('keeps every row, in order and valid against the contract, after the box stops', async () => {
    await box.stop();
    const reopened = new PassJournal({ path: join(dir, 'data', 'journal.db'), clock, logger: silentLogger });
    try {
      const stored = reopened.readAfter(0, 100);
      expect(stored.slice(0, 5).map((p) => [p.seq, p.laneId, p.outcome])).toEqual([
        [1, 'entry', 'passed'],
        [2, 'entry', 'denied'],
        [3, 'entry', 'not-passed'],
        [4, 'exit', 'passed'],
        [5, 'pmr', 'passed'],
      ]);
      expect(stored.map((p) => p.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      const valid = Compile(Pass);
      for (const p of stored) expect(valid.Errors(p)).toEqual([]);
    } finally {
      reopened.close();
    }
  });

  it('a restarted box rebuilds occupancy from the journal', async () => {
    const loaded = await loadConfigFile(join(dir, 'box.yaml'));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
    const again = buildBox({ loaded: loaded.value, drivers: testDriverBox().drivers, createTransport: testDriverBox().createTransport, clock, logger: silentLogger });
    if (!again.ok) throw new Error(JSON.stringify(again.error));
    try {
      // As before the stop: the member inside, and the confirmed emergency passage (its row keeps that locally).
      expect(again.value.lanes.occupancy('gym')).toBe(2);
    } finally {
      await again.value.stop();
    }
  });
});
