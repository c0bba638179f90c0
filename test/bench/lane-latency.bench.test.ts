import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, devNull, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, it } from 'vitest';
import { clubSnapshot } from '../../agent/access/rights-fixtures.ts';
import { buildBox, type Box } from '../../agent/box/build-box.ts';
import { loadConfigFile } from '../../agent/config/load.ts';
import type { Reader } from '../../agent/devices/reader.ts';
import type { Turnstile } from '../../agent/devices/turnstile-port.ts';
import { SimulatedOsdpBus } from '../../firmware-sim/osdp/bus.ts';
import { SimulatedPd } from '../../firmware-sim/osdp/pd.ts';
import { testDriverBox } from '../support/test-driver-box.ts';
import { createTurnstileSim, seededRandom } from '../../firmware-sim/turnstile/index.ts';
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
 * badge (byte by byte at the module's pace: from the frame's first bytes the lane holds the
 * turnstile's status polls, so the unlock finds the bus free; or in one chunk, without that
 * head start), or the real OSDP driver (secure channel on) polling the simulated reader. Links
 * are MockTransports.
 */
const PASSES = 200;
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
  /** What the turnstile bus is: the bare mock link, or a serial line the I/O module emulates. */
  readonly line: string;
  readonly lineBaud?: number;
  readonly turnaroundMs?: number;
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
  const arm = createTurnstileSim(devices.link('io'), clock, { windowMs: 1200, personDelayMs: [1, 2], ...(scenario.lineBaud ? { lineBaud: scenario.lineBaud } : {}) });
  arm.module.faults.replyDelayMs = scenario.turnaroundMs ?? 0;

  // Start: the reader link's data event, subscribed before the driver's own (box.start()
  // subscribes it), so it runs just before the driver stamps CredentialPresented.at.
  // End: the turnstile driver handing its unlock request to the link. In between, the
  // lane's call of turnstile.open() splits the path in two: the agent's own work (reader
  // decode, debounce, decide, lane machine) and the bus (the unlock waits for the request
  // in flight, if any, to be answered: RS-485 is half duplex).
  let cpuAtData: NodeJS.CpuUsage = process.cpuUsage();
  devices.transport(scenario.readerLink).on('data', () => (cpuAtData = process.cpuUsage()));
  let presented: { at: number; cpu: NodeJS.CpuUsage; openAt?: number; inFlight?: boolean } | undefined;
  const s = { total: [] as number[], toOpen: [] as number[], bus: [] as number[], inFlightWait: [] as number[], cpu: [] as number[] };
  const io = devices.transport('io');
  let requestOutstanding = false;
  let lastReplyAt = 0;
  io.on('data', () => {
    requestOutstanding = false;
    lastReplyAt = clock.monotonic();
  });
  const write = io.write.bind(io);
  io.write = (frame: Uint8Array) => {
    const now = clock.monotonic();
    if (presented?.openAt !== undefined && isUnlockOn(frame)) {
      const cpu = process.cpuUsage();
      s.total.push((now - presented.at) * 1000);
      s.toOpen.push((presented.openAt - presented.at) * 1000);
      s.bus.push((now - presented.openAt) * 1000);
      s.inFlightWait.push(presented.inFlight ? Math.max(0, lastReplyAt - presented.openAt) * 1000 : 0);
      s.cpu.push(cpu.user - presented.cpu.user + (cpu.system - presented.cpu.system));
      presented = undefined;
    }
    requestOutstanding = true;
    return write(frame);
  };

  const logger = pino({ level: 'info' }, pino.destination({ dest: devNull, sync: true }));
  const built = buildBox({ loaded: loaded.value, drivers: devices.drivers, createTransport: devices.createTransport, clock, logger });
  if (!built.ok) throw new Error(JSON.stringify(built.error));
  const box = built.value;
  box.rights.applySnapshot(clubSnapshot(1000));
  const reader = box.devices.get('reader-entry') as Reader;
  // Subscribed before the lane's own listener (box.start()): the unlock may be written
  // synchronously from inside the lane's handling of this event.
  reader.onCredential((e) => (presented = { at: e.at, cpu: cpuAtData }));
  const turnstile = box.devices.get('tripod-entry') as Turnstile;
  const open = turnstile.open.bind(turnstile);
  turnstile.open = (direction) => {
    if (presented) Object.assign(presented, { openAt: clock.monotonic(), inFlight: requestOutstanding });
    return open(direction);
  };
  await box.start();
  const ready = () => turnstile.status().state === 'online' && (!scenario.ready || scenario.ready(box));
  while (!ready()) await new Promise((r) => setTimeout(r, 10));

  const lane = box.lanes.lane('entry');
  // People do not badge in step with the driver's poll cycle: each next badge comes a random
  // 0-100 ms after the lane is free again (without it every badge would land on the relay-off
  // write and the journal commit that the previous passage's end starts).
  const random = seededRandom(7);
  for (let i = 0; i < scenario.passes; i++) {
    await new Promise((r) => setTimeout(r, random() * 100));
    present((2 * i) % 1000);
    const deadline = Date.now() + 10_000;
    while (s.total.length <= i || lane.phase !== 'idle') {
      if (Date.now() > deadline) throw new Error(`pass ${i}: no unlock or no outcome within 10 s`);
      await new Promise<void>((r) => setTimeout(r, 1));
    }
  }
  const rows = box.journal.stats().lastSeq;
  await box.stop();
  arm.dispose();
  const fig = (xs: number[]) => {
    const [p50, p99, max] = percentiles(xs, [50, 99, 100]).map((v) => v.toFixed(0));
    return `p50 ${p50} µs, p99 ${p99} µs, max ${max} µs`;
  };
  const waited = s.inFlightWait.filter((w) => w > 0);
  console.log(
    `lane latency, ${scenario.name} -> Modbus turnstile driver (${scenario.line}): ${s.total.length} grants; ` +
      `last reader byte -> first byte of the unlock request: wall ${fig(s.total)}; ` +
      `of which reader byte -> turnstile.open() (decode, debounce, decide, lane): ${fig(s.toOpen)}; ` +
      `open() -> unlock on the bus: ${fig(s.bus)}; ` +
      `unlocks that found a request in flight: ${waited.length}/${s.total.length}, waiting for its reply ${waited.length ? fig(waited) : '-'}; ` +
      `process CPU on the path ${fig(s.cpu)}; ${rows} journal rows; load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs`,
  );
}

const MOCK_LINE = 'mock link, no line timing: each crossing is one timer turn (>= 1 ms), so a transaction takes >= 2 ms';
const frameOf = (n: number) => encodeEm4100Frame({ version: 0, tag: 100000 + n });
/** The module's own line, 9600 baud 8N1: a byte every ~1.04 ms, so a 14-byte frame takes ~15 ms (here: a byte per timer turn, >= 1 ms). */
const em4100 = (devices: ReturnType<typeof testDriverBox>) => (n: number) =>
  void (async () => {
    for (const byte of frameOf(n)) {
      devices.link('reader-entry').write(Uint8Array.of(byte));
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
/** The whole frame in one chunk: no head start for the driver to hold the turnstile's polls (a worst case no serial reader produces). */
const em4100OneChunk = (devices: ReturnType<typeof testDriverBox>) => (n: number) => devices.link('reader-entry').write(frameOf(n));
const BUS_19200 = 'emulated 19200 baud RS-485 line, 2 ms turnaround';

describe('lane latency', () => {
  it('real EM4100 driver, its frame at the 9600 baud pace of the module', async () => {
    await measure({ name: 'em4100', config: CONFIG, passes: PASSES, readerLink: 'reader-entry', reader: em4100, line: MOCK_LINE });
  });

  it('real EM4100 driver at 9600 baud, turnstile bus emulated at 19200 baud with a 2 ms module turnaround', async () => {
    await measure({ name: 'em4100-19200', config: CONFIG, passes: PASSES, readerLink: 'reader-entry', reader: em4100, line: BUS_19200, lineBaud: 19200, turnaroundMs: 2 });
  });

  it('real EM4100 driver, each frame in one chunk (no head start)', async () => {
    await measure({ name: 'em4100-one-chunk', config: CONFIG, passes: PASSES, readerLink: 'reader-entry', reader: em4100OneChunk, line: MOCK_LINE });
  });

  it('real OSDP driver with secure channel against the simulated PD', async () => {
    const pd = new SimulatedPd({ address: 1, scbk: Uint8Array.from(Buffer.from(OSDP_KEY, 'hex')) });
    await measure({
      name: 'osdp-secure-channel',
      config: OSDP_CONFIG,
      passes: PASSES,
      readerLink: 'osdp-bus',
      line: MOCK_LINE,
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
