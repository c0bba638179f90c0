import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { turnstileConfig, type TurnstileConfig } from '../../agent/devices/turnstile/config.ts';
import { ModbusTurnstile } from '../../agent/devices/turnstile/modbus-turnstile.ts';
import type { TurnstileEvent } from '../../agent/devices/turnstile-port.ts';
import { SerialTransport } from '../../agent/transport/serial.ts';
import { openSerialLink, type ClosableLink } from '../../firmware-sim/links.ts';
import { createTurnstileSim, type SimulatedTurnstile } from '../../firmware-sim/turnstile/index.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { startPtyPair, type PtyPair } from '../support/socat.ts';
import { waitFor } from '../support/wait.ts';

/* The driver and our simulator joined by a real tty pair, in real time. */
let pty: PtyPair;
let link: ClosableLink;
let sim: SimulatedTurnstile | undefined;
let driver: ModbusTurnstile | undefined;
let events: TurnstileEvent[] = [];

beforeAll(async () => {
  pty = await startPtyPair();
  link = await openSerialLink(pty.b, 9600);
});

afterEach(async () => {
  await driver?.stop();
  sim?.dispose();
  driver = sim = undefined;
});

afterAll(async () => {
  await link?.close();
  await pty?.stop();
});

/*
 * Real time in one process: a stall of the event loop (a loaded CI machine) delays the
 * driver's polls and the simulated controller's timers alike. So the PASS pulse is 600 ms and
 * the windows 3 s, far from what a stall can eat; the 250 ms pulse budget and the window's
 * edges are checked on fake time (turnstile-sim.test.ts). Here the point is the real tty.
 */
const WINDOW_MS = 3000;
const PASS_PULSE_MS = 600;

async function rig(config: Partial<TurnstileConfig> = {}, lineBaud?: number) {
  sim = createTurnstileSim(link, systemClock, { mode: config.mode ?? 'pulse', windowMs: WINDOW_MS, personDelayMs: [300, 900], seed: 7, passPulseMs: PASS_PULSE_MS, ...(lineBaud ? { lineBaud } : {}) });
  events = [];
  driver = new ModbusTurnstile(turnstileConfig({ id: 'lane-pty', windowMs: WINDOW_MS, probeIntervalMs: 200, ...config }), { transport: new SerialTransport({ path: pty.a, baudRate: 9600 }), clock: systemClock, logger: silentLogger });
  driver.onEvent((e) => events.push(e));
  await driver.start();
  // start() resolves after its first poll even when that one timed out (under load).
  const started = driver;
  await waitFor('a first good read', () => started.status().state !== 'starting');
  return { sim, driver };
}

describe('turnstile driver against the simulator over a pty', () => {
  it('a lane opens, the simulated person passes, the confirmation arrives', async () => {
    const r = await rig();
    r.sim.nextPerson('in', { kind: 'pass', afterMs: 400 });
    expect(await r.driver.open('in')).toMatchObject({ kind: 'passed' });
    expect(r.sim.passages).toEqual([expect.objectContaining({ direction: 'in', kind: 'granted' })]);
    await waitFor('relay off', () => !r.sim.module.coil(0));
  });

  it('unscripted people (random delays from a seed) all pass, in both directions', async () => {
    const r = await rig();
    for (const d of ['in', 'out', 'in'] as const) expect(await r.driver.open(d)).toMatchObject({ kind: 'passed' });
    expect(r.sim.passages.map((p) => p.direction)).toEqual(['in', 'out', 'in']);
  });

  it('a person who walks away gives "not passed"', async () => {
    const r = await rig();
    r.sim.nextPerson('out', { kind: 'walk-away' });
    expect(await r.driver.open('out')).toEqual({ kind: 'not-passed' });
  });

  it('a forced passage raises an alarm event', async () => {
    const r = await rig();
    r.sim.forcePassage('in');
    await waitFor('forced-passage event', () => events.some((e) => e.kind === 'forced-passage' && e.direction === 'in'));
    expect(r.driver.status().detail).toMatchObject({ forcedPassages: 1 });
  });

  it('the fire alarm frees both directions and blocks commands until the loop closes', async () => {
    const r = await rig();
    r.sim.setFireAlarm(true);
    await waitFor('both relays held', () => r.sim.module.coil(0) && r.sim.module.coil(1));
    expect(await r.driver.open('in')).toMatchObject({ kind: 'refused', code: 'FIRE_ALARM' });
    r.sim.setFireAlarm(false);
    await waitFor('relays released', () => !r.sim.module.coil(0) && !r.sim.module.coil(1));
    expect(events.map((e) => e.kind === 'fire-alarm' && e.active)).toEqual([true, false]);
    r.sim.nextPerson('out', { kind: 'pass', afterMs: 200 });
    expect(await r.driver.open('out')).toMatchObject({ kind: 'passed' });
  });

  it('a silent module takes the lane out of service and it comes back', async () => {
    const r = await rig();
    r.sim.goSilent(true);
    await waitFor('out of service', () => events.some((e) => e.kind === 'out-of-service' && e.active));
    expect(r.driver.status().state).toBe('offline');
    r.sim.goSilent(false);
    await waitFor('back in service', () => events.some((e) => e.kind === 'out-of-service' && !e.active));
    r.sim.nextPerson('in', { kind: 'pass', afterMs: 200 });
    expect(await r.driver.open('in')).toMatchObject({ kind: 'passed' });
  });

  it('the simulator emulating a 9600-baud line: passages and a forced passage still come through', async () => {
    const r = await rig({}, 9600);
    r.sim.module.faults.replyDelayMs = 5;
    for (const d of ['in', 'out'] as const) expect(await r.driver.open(d)).toMatchObject({ kind: 'passed' });
    r.sim.forcePassage('out');
    await waitFor('forced-passage event', () => events.some((e) => e.kind === 'forced-passage'));
    // The controller's alarm output follows a forced passage for a second.
    await waitFor('alarm output seen', () => r.driver.status().detail?.alarm === true);
    expect(r.driver.status().state).toBe('degraded');
    await waitFor('alarm output over', () => r.driver.status().state === 'online');
  });

  it('potential mode over the pty, with the module watchdog armed', async () => {
    // 3 s: the module's watchdog runs on this process's timers too, and a stall must not trip it.
    const r = await rig({ mode: 'potential', moduleWatchdog: { register: 8, unitMs: 1000, timeoutMs: 3000 } });
    expect(r.sim.module.register(8)).toBe(3);
    // The write reached the module, but under load its reply can time out: the driver then
    // holds potential mode shut (refused, OUT_OF_SERVICE) until its next check reads it back.
    await waitFor('the watchdog armed', () => r.driver.status().detail?.moduleWatchdog === 'armed');
    r.sim.nextPerson('in', { kind: 'pass', afterMs: 600 });
    expect(await r.driver.open('in')).toMatchObject({ kind: 'passed' });
    await waitFor('relay off', () => !r.sim.module.coil(0));
  });
});
