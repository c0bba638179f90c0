import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clubSnapshot } from '../../agent/access/rights-fixtures.ts';
import { buildBox, type Box } from '../../agent/box/build-box.ts';
import { osdpDriver } from '../../agent/box/osdp-driver.ts';
import { loadConfigFile } from '../../agent/config/load.ts';
import { SimulatedOsdpBus } from '../../firmware-sim/osdp/bus.ts';
import { SimulatedPd } from '../../firmware-sim/osdp/pd.ts';
import { silentLogger } from '../../platform/log.ts';
import { LED_COLOUR } from '../../protocol/osdp/index.ts';
import { lineDriverBox } from '../support/line-box.ts';
import { personAtTurnstile } from '../support/mock-line-devices.ts';
import { shiftedClock } from '../support/shifted-clock.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The entry lane with the real OSDP driver (control panel, secure channel with a key from
 * the data directory via its key ref) against the OSDP reader simulator of firmware-sim,
 * joined in memory by a MockTransport; the turnstile is the byte-level test driver.
 */
const KEY_HEX = '00112233445566778899aabbccddeeff';
const CONFIG = `
box: { id: club-osdp }
fleet: { url: "mqtt://127.0.0.1:1883", credentialsFile: creds.json }
dataDir: data
buses:
  - { id: osdp-bus, transport: { kind: mock, name: osdp-bus } }
  - { id: io, transport: { kind: mock, name: io } }
devices:
  - { id: reader-entry, kind: osdp, bus: osdp-bus, address: 1, secureChannel: { keyRef: "file:keys/reader-entry.scbk" } }
  - id: tripod-entry
    kind: turnstile
    bus: io
    address: 1
    coils: { unlockIn: 0, unlockOut: 1 }
    inputs: { passIn: 0, passOut: 1 }
    mode: pulse
    pulseMs: 200
    passageWindowMs: 2000
lanes:
  - { id: entry, kind: entry, zone: gym, turnstile: tripod-entry, readers: [{ reader: reader-entry, direction: in }] }
localUi: { port: 8080 }
offline: { rightsMaxAgeHours: 72, whenRightsExpired: deny-all }
`;

const dir = mkdtempSync(join(tmpdir(), 'osdp-lane-'));
const clock = shiftedClock(Date.UTC(2026, 0, 5, 9, 0, 0));
const devices = lineDriverBox(clock);
devices.drivers.register('osdp', osdpDriver);
const pd = new SimulatedPd({ address: 1, scbk: Uint8Array.from(Buffer.from(KEY_HEX, 'hex')) });
let simBus: SimulatedOsdpBus;
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
  box.rights.applySnapshot(clubSnapshot(4));
  simBus = new SimulatedOsdpBus(devices.link('osdp-bus'), [pd]);
  personAtTurnstile(devices.link('io'), () => true, 20);
  await box.start();
  await waitFor(() => box.devices.get('reader-entry')?.status().state === 'online' && pd.secureChannelActive, 10_000, 'the OSDP reader online with its secure channel');
});

afterAll(async () => {
  await box?.stop();
  simBus?.detach();
  rmSync(dir, { recursive: true, force: true });
});

describe('OSDP reader (simulated PD, secure channel) -> lane -> journal', () => {
  it('a Wiegand card of a member opens the lane, the reader shows green, the pass is journaled', async () => {
    pd.presentCard(1, 34464); // facility 1, card 34464 = badge 100000 (member m0)
    await waitFor(() => rows().length === 1, 5000, 'the passed row');
    expect(rows()[0]).toMatchObject({ laneId: 'entry', outcome: 'passed', reason: 'granted', memberId: 'm0', credential: { kind: 'badge' } });
    expect(pd.commandLog).toContain('led');
    expect(pd.secureChannelActive).toBe(true);
  });

  it('an unknown card is refused with a red flashing LED and a denied row', async () => {
    pd.presentCard(2, 5);
    await waitFor(() => rows().length === 2, 5000, 'the denied row');
    expect(rows()[1]).toMatchObject({ outcome: 'denied', reason: 'unknown-credential' });
    await waitFor(() => pd.leds.get(0)?.temporary?.onColour === LED_COLOUR.RED, 2000, 'the red LED');
  });
});
