import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, devNull, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, it } from 'vitest';
import { clubSnapshot } from '../../agent/access/rights-fixtures.ts';
import { buildBox, type Box } from '../../agent/box/build-box.ts';
import { loadConfigFile } from '../../agent/config/load.ts';
import type { Reader } from '../../agent/devices/reader.ts';
import { SimulatedOsdpBus } from '../../firmware-sim/osdp/bus.ts';
import { SimulatedPd } from '../../firmware-sim/osdp/pd.ts';
import { testDriverBox } from '../support/test-driver-box.ts';
import { createTurnstileSim } from '../../firmware-sim/turnstile/index.ts';
import { encodeEm4100Frame } from '../../protocol/em4100/frame.ts';
import { shiftedClock } from '../support/shifted-clock.ts';
import { percentiles } from './percentiles.ts';

/**
 * Lane latency: from the moment the reader driver receives the last byte of a badge frame
 * (its data callback, CredentialPresented.at) to the moment the turnstile driver hands the
 * first byte of its open command (a Modbus FC05 frame) to its transport. Everything in
 * between is the real agent: config loader, box composition, lane state machine, real
 * decide() over a real rights store of 1000 members, the pino decision line (to the null
 * device), the real SQLite journal committing the previous passes, the real Modbus
 * turnstile driver (its unlock may wait behind an input poll on the bus) against the
 * simulated I/O module and arm. The reader is the real EM4100 driver fed one frame per
 * badge, or the real OSDP driver (secure channel on) polling the simulated reader. Links
 * are MockTransports.
 */
const PASSES = 400;
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

const OSDP_KEY = '00112233445566778899aabbccddeeff';
const OSDP_CONFIG = CONFIG.replace(
  '  - { id: reader-entry, kind: em4100, transport: { kind: mock, name: reader-entry } }',
  '  - { id: reader-entry, kind: osdp, bus: osdp-bus, address: 1, secureChannel: { keyRef: "file:keys/entry.scbk" } }',
).replace('buses: [', 'buses: [{ id: osdp-bus, transport: { kind: mock, name: osdp-bus } }, ');

interface Scenario {
  readonly name: string;
  readonly config: string;
  readonly passes: number;
  /** Name of the mock link the reader listens on. */
  readonly readerLink: string;
  /** Wires the reader side; returns how to present the i-th member's credential. */
  readonly reader: (devices: ReturnType<typeof testDriverBox>, dataDir: string) => (i: number) => void;
  readonly ready?: (box: Box) => boolean;
}

/** An FC05 write-single-coil request switching a coil ON: the turnstile driver's unlock. */
const isUnlockOn = (frame: Uint8Array) => frame[1] === 0x05 && frame[4] === 0xff && frame[5] === 0x00;

async function measure(scenario: Scenario): Promise<void> {
  const home = join(dir, scenario.name);
  mkdirSync(join(home, 'data'), { recursive: true });
  writeFileSync(join(home, 'box.yaml'), scenario.config);
  const loaded = await loadConfigFile(join(home, 'box.yaml'));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
  const clock = shiftedClock(Date.UTC(2026, 0, 5, 9, 0, 0));
  const devices = testDriverBox();
  const present = scenario.reader(devices, join(home, 'data'));
  const arm = createTurnstileSim(devices.link('io'), clock, { windowMs: 1200, personDelayMs: [1, 2] });

  // Start: the reader link's data event, subscribed before the driver's own (box.start()
  // subscribes it), so it runs just before the driver stamps CredentialPresented.at.
  // End: the turnstile driver handing its unlock request to the link.
  let cpuAtData: NodeJS.CpuUsage = process.cpuUsage();
  devices.transport(scenario.readerLink).on('data', () => (cpuAtData = process.cpuUsage()));
  let presented: { at: number; cpu: NodeJS.CpuUsage } | undefined;
  const latenciesUs: number[] = [];
  const cpuUs: number[] = [];
  const io = devices.transport('io');
  const write = io.write.bind(io);
  io.write = (frame: Uint8Array) => {
    if (presented && isUnlockOn(frame)) {
      const cpu = process.cpuUsage();
      latenciesUs.push((clock.monotonic() - presented.at) * 1000);
      cpuUs.push(cpu.user - presented.cpu.user + (cpu.system - presented.cpu.system));
      presented = undefined;
    }
    return write(frame);
  };

  const logger = pino({ level: 'info' }, pino.destination({ dest: devNull, sync: true }));
  const built = buildBox({ loaded: loaded.value, drivers: devices.drivers, createTransport: devices.createTransport, clock, logger });
  if (!built.ok) throw new Error(JSON.stringify(built.error));
  const box = built.value;
  box.rights.applySnapshot(clubSnapshot(1000));
  await box.start();
  const ready = () => box.devices.get('tripod-entry')?.status().state === 'online' && (!scenario.ready || scenario.ready(box));
  while (!ready()) await new Promise((r) => setTimeout(r, 10));

  const reader = box.devices.get('reader-entry') as Reader;
  const lane = box.lanes.lane('entry');
  reader.onCredential((e) => (presented = { at: e.at, cpu: cpuAtData }));
  for (let i = 0; i < scenario.passes; i++) {
    present((2 * i) % 1000);
    while (latenciesUs.length <= i || lane.phase !== 'idle') await new Promise<void>((r) => setTimeout(r, 1));
  }
  const rows = box.journal.stats().lastSeq;
  await box.stop();
  arm.dispose();
  const [p50, p99, max] = percentiles(latenciesUs, [50, 99, 100]).map((v) => v.toFixed(0));
  const [c50, c99, cmax] = percentiles(cpuUs, [50, 99, 100]).map((v) => v.toFixed(0));
  console.log(
    `lane latency, ${scenario.name} -> Modbus turnstile driver (last reader byte -> first byte of the unlock request; real decide + journal + log line): ` +
      `${latenciesUs.length} grants, wall p50 ${p50} µs, p99 ${p99} µs, max ${max} µs; process CPU on the path p50 ${c50} µs, p99 ${c99} µs, max ${cmax} µs; ` +
      `${rows} journal rows; load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs`,
  );
}

describe('lane latency', () => {
  it('real EM4100 driver, one 14-byte frame per badge', async () => {
    await measure({ name: 'em4100', config: CONFIG, passes: PASSES, readerLink: 'reader-entry', reader: (devices) => (n) => devices.link('reader-entry').write(encodeEm4100Frame({ version: 0, tag: 100000 + n })) });
  });

  it('real OSDP driver with secure channel against the simulated PD', async () => {
    const pd = new SimulatedPd({ address: 1, scbk: Uint8Array.from(Buffer.from(OSDP_KEY, 'hex')) });
    await measure({
      name: 'osdp-secure-channel',
      config: OSDP_CONFIG,
      passes: PASSES,
      readerLink: 'osdp-bus',
      reader: (devices, dataDir) => {
        mkdirSync(join(dataDir, 'keys'));
        writeFileSync(join(dataDir, 'keys', 'entry.scbk'), OSDP_KEY);
        new SimulatedOsdpBus(devices.link('osdp-bus'), [pd]);
        // Badge 100000 + n is Wiegand 26 facility 1, card 34464 + n.
        return (n) => pd.presentCard(1, 34464 + n);
      },
      ready: (box) => box.devices.get('reader-entry')?.status().state === 'online' && pd.secureChannelActive,
    });
  });
});
