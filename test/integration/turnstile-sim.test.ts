import { afterEach, describe, expect, it } from 'vitest';
import { MAX_POLL_HOLD_MS, ModbusTurnstile } from '../../agent/devices/turnstile/modbus-turnstile.ts';
import { turnstileConfig, type TurnstileConfig } from '../../agent/devices/turnstile/config.ts';
import type { PassageOutcome, TurnstileEvent } from '../../agent/devices/turnstile-port.ts';
import { createTurnstileSim, type SimulatedTurnstile } from '../../firmware-sim/turnstile/index.ts';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { decodeRequest, RtuStream } from '../../protocol/modbus/index.ts';
import { createMemoryLink } from '../support/memory-link.ts';

/** The simulated module's watchdog (SIM_WATCHDOG: register 8, in seconds), armed for 1 s. */
const WATCHDOG = { register: 8, unitMs: 1000, timeoutMs: 1000 };

/** The driver and the simulated module + turnstile, in memory, on one ManualClock. `requests` lists the function codes the module received, in order. */
async function rig(config: Partial<TurnstileConfig> = {}, beforeStart: (sim: SimulatedTurnstile) => void = () => undefined, simWatchdog?: null) {
  const clock = new ManualClock();
  const link = createMemoryLink('turnstile');
  const sniffer = new RtuStream(decodeRequest);
  const requests: number[] = [];
  link.device.onData((chunk) => requests.push(...sniffer.push(chunk).frames.map((f) => (f.pdu.fn === 'illegal' ? f.pdu.functionCode : fcOf(f.pdu.fn)))));
  const sim = createTurnstileSim(link.device, clock, { mode: config.mode ?? 'pulse', ...(simWatchdog === null ? { watchdog: null } : {}) });
  beforeStart(sim);
  const driver = new ModbusTurnstile(turnstileConfig({ id: 'lane-1', ...config }), { transport: link.transport, clock, logger: silentLogger });
  const events: TurnstileEvent[] = [];
  driver.onEvent((e) => events.push(e));
  const started = driver.start();
  await clock.advanceAsync(10);
  await started;
  return { clock, sim, driver, events, transport: link.transport, requests };
}

const FC: Record<string, number> = { 'read-coils': 1, 'read-discrete-inputs': 2, 'read-holding-registers': 3, 'write-single-coil': 5, 'write-single-register': 6, 'write-multiple-coils': 15, 'write-multiple-registers': 16 };
const fcOf = (fn: string): number => FC[fn] ?? -1;

/** Runs `open` to its outcome while time moves. */
async function openAndWait(r: Awaited<ReturnType<typeof rig>>, direction: 'in' | 'out', maxMs = 8000): Promise<PassageOutcome | undefined> {
  let outcome: PassageOutcome | undefined;
  void r.driver.open(direction).then((o) => (outcome = o));
  for (let t = 0; t < maxMs && !outcome; t += 10) await r.clock.advanceAsync(10);
  return outcome;
}

let current: { driver: ModbusTurnstile; sim: SimulatedTurnstile; clock: ManualClock } | undefined;
afterEach(async () => {
  if (!current) return;
  const stopped = current.driver.stop();
  await current.clock.advanceAsync(500, 10);
  await stopped;
  current.sim.dispose();
  current = undefined;
});

describe('turnstile driver against the simulated module (in memory, fake time)', () => {
  it('starts online with both relays off', async () => {
    const r = (current = await rig());
    expect(r.driver.status()).toMatchObject({ state: 'online', detail: { ready: true, alarm: false, fireAlarm: false } });
    expect([r.sim.module.coil(0), r.sim.module.coil(1)]).toEqual([false, false]);
  });

  it('pulse mode: the relay pulses, the person passes, the confirmation arrives and the relay is off', async () => {
    const r = (current = await rig());
    r.sim.nextPerson('in', { kind: 'pass', afterMs: 700 });
    const onTimes: number[] = [];
    r.sim.module.onCoilChange((a, on) => a === 0 && onTimes.push(on ? r.clock.monotonic() : -r.clock.monotonic()));
    const outcome = await openAndWait(r, 'in');
    expect(outcome).toMatchObject({ kind: 'passed' });
    expect(r.sim.passages).toEqual([expect.objectContaining({ direction: 'in', kind: 'granted' })]);
    const [on, off] = onTimes as [number, number];
    expect(-off - on).toBeGreaterThanOrEqual(200);
    expect(r.sim.module.coil(0)).toBe(false);
    expect(r.events).toEqual([]);
  });

  it('a person who walks away gives "not passed" once the window ends', async () => {
    const r = (current = await rig());
    r.sim.nextPerson('out', { kind: 'walk-away' });
    const before = r.clock.monotonic();
    expect(await openAndWait(r, 'out')).toEqual({ kind: 'not-passed' });
    expect(r.clock.monotonic() - before).toBeGreaterThanOrEqual(5000);
    expect(r.sim.passages).toEqual([]);
  });

  it('a PASS without an open is a forced passage, raised as an event', async () => {
    const r = (current = await rig());
    r.sim.forcePassage('out');
    await r.clock.advanceAsync(400, 5);
    expect(r.events).toEqual([expect.objectContaining({ kind: 'forced-passage', direction: 'out' })]);
    expect(r.driver.status().detail).toMatchObject({ forcedPassages: 1 });
  });

  it('tailgating: the second person through one granted passage is a forced passage', async () => {
    const r = (current = await rig());
    r.sim.nextPerson('in', { kind: 'pass', afterMs: 500 });
    r.sim.tailgateNext('in');
    expect(await openAndWait(r, 'in')).toMatchObject({ kind: 'passed' });
    await r.clock.advanceAsync(800, 5);
    expect(r.events).toEqual([expect.objectContaining({ kind: 'forced-passage', direction: 'in' })]);
  });

  it('fire alarm: both relays held free, every open refused, and back to normal when the loop closes', async () => {
    const r = (current = await rig());
    r.sim.nextPerson('in', { kind: 'walk-away' });
    let pending: PassageOutcome | undefined;
    void r.driver.open('in').then((o) => (pending = o));
    await r.clock.advanceAsync(300, 5);
    r.sim.setFireAlarm(true);
    await r.clock.advanceAsync(200, 5);
    expect(pending).toEqual({ kind: 'not-passed' });
    expect(r.events).toEqual([expect.objectContaining({ kind: 'fire-alarm', active: true })]);
    expect([r.sim.module.coil(0), r.sim.module.coil(1)]).toEqual([true, true]);
    expect(await r.driver.open('out')).toMatchObject({ kind: 'refused', code: 'FIRE_ALARM' });
    r.driver.setLockdown(true);
    expect(await r.driver.open('in')).toMatchObject({ kind: 'refused', code: 'FIRE_ALARM' });
    r.sim.forcePassage('in');
    await r.clock.advanceAsync(2000, 10);
    expect(r.events.filter((e) => e.kind === 'forced-passage')).toEqual([]);
    expect([r.sim.module.coil(0), r.sim.module.coil(1)]).toEqual([true, true]);
    expect(r.driver.status()).toMatchObject({ state: 'degraded', detail: { fireAlarm: true, passagesDuringFireAlarm: 1 } });

    r.sim.setFireAlarm(false);
    await r.clock.advanceAsync(200, 5);
    expect(r.events.at(-1)).toMatchObject({ kind: 'fire-alarm', active: false });
    expect([r.sim.module.coil(0), r.sim.module.coil(1)]).toEqual([false, false]);
    expect(await r.driver.open('in')).toMatchObject({ kind: 'refused', code: 'LOCKDOWN' });
    r.driver.setLockdown(false);
    r.sim.nextPerson('in', { kind: 'pass', afterMs: 300 });
    expect(await openAndWait(r, 'in')).toMatchObject({ kind: 'passed' });
  });

  it('a silent module takes the lane out of service, and it comes back', async () => {
    const r = (current = await rig());
    r.sim.goSilent(true);
    await r.clock.advanceAsync(1000, 5);
    expect(r.events).toEqual([expect.objectContaining({ kind: 'out-of-service', active: true })]);
    expect(r.driver.status()).toMatchObject({ state: 'offline', lastError: { code: 'MODBUS_TIMEOUT' } });
    expect(await r.driver.open('in')).toMatchObject({ kind: 'refused', code: 'OUT_OF_SERVICE' });
    r.sim.goSilent(false);
    await r.clock.advanceAsync(1500, 5);
    expect(r.events.at(-1)).toMatchObject({ kind: 'out-of-service', active: false });
    expect(r.driver.status().state).toBe('online');
    r.sim.nextPerson('in', { kind: 'pass', afterMs: 300 });
    expect(await openAndWait(r, 'in')).toMatchObject({ kind: 'passed' });
  });

  it('the module going silent mid-passage: not passed (it cannot be confirmed)', async () => {
    const r = (current = await rig());
    r.sim.nextPerson('in', { kind: 'walk-away' });
    let outcome: PassageOutcome | undefined;
    void r.driver.open('in').then((o) => (outcome = o));
    await r.clock.advanceAsync(300, 5);
    r.sim.goSilent(true);
    await r.clock.advanceAsync(1000, 5);
    expect(outcome).toEqual({ kind: 'not-passed' });
  });

  it('a module answering with exceptions is out of service too, with the exception code recorded', async () => {
    const r = (current = await rig());
    r.sim.answerWithException(0x04);
    await r.clock.advanceAsync(500, 5);
    expect(r.events).toEqual([expect.objectContaining({ kind: 'out-of-service', active: true })]);
    expect(r.driver.status().lastError).toMatchObject({ code: 'MODBUS_EXCEPTION', message: expect.stringContaining('SERVER_DEVICE_FAILURE') });
    r.sim.answerWithException(null);
    await r.clock.advanceAsync(1500, 5);
    expect(r.driver.status().state).toBe('online');
  });

  it('potential mode: the relay is held until the PASS, then released at once', async () => {
    const r = (current = await rig({ mode: 'potential', moduleWatchdog: WATCHDOG }));
    r.sim.nextPerson('out', { kind: 'pass', afterMs: 1500 });
    let onAt = 0;
    let offAt = 0;
    r.sim.module.onCoilChange((a, on) => a === 1 && (on ? (onAt = r.clock.monotonic()) : (offAt = r.clock.monotonic())));
    expect(await openAndWait(r, 'out')).toMatchObject({ kind: 'passed' });
    await r.clock.advanceAsync(100, 5);
    expect(offAt - onAt).toBeGreaterThanOrEqual(1500);
    expect(offAt - onAt).toBeLessThan(1800);
    expect(r.sim.module.coil(1)).toBe(false);
  });

  it('potential mode: nobody passes, the relay drops at the end of the window', async () => {
    const r = (current = await rig({ mode: 'potential', windowMs: 3000, moduleWatchdog: WATCHDOG }));
    r.sim.nextPerson('in', { kind: 'walk-away' });
    expect(await openAndWait(r, 'in')).toEqual({ kind: 'not-passed' });
    await r.clock.advanceAsync(50, 5);
    expect(r.sim.module.coil(0)).toBe(false);
  });

  it('starts by forcing every output off (FC0F), then arms the module watchdog (FC06, read back with FC03), before it reads the inputs', async () => {
    const r = (current = await rig({ moduleWatchdog: WATCHDOG }, (sim) => sim.module['setCoil'](0, true)));
    expect(r.requests.slice(0, 4)).toEqual([15, 6, 3, 2]);
    expect(r.sim.module.coil(0)).toBe(false);
    expect(r.sim.module.register(8)).toBe(1);
    expect(r.driver.status()).toMatchObject({ state: 'online', detail: { moduleWatchdog: 'armed', moduleWatchdogMs: 1000 } });
  });

  it('the polls keep the armed watchdog fed; when they stop reaching the module (A/B pair cut), it drops the held relay within the timeout', async () => {
    const r = (current = await rig({ mode: 'potential', windowMs: 20_000, maxRelayOnMs: 30_000, moduleWatchdog: WATCHDOG }));
    r.sim.nextPerson('in', { kind: 'walk-away' });
    void r.driver.open('in');
    await r.clock.advanceAsync(5000, 10);
    expect(r.sim.module.coil(0)).toBe(true);
    expect(r.sim.module.stats.watchdogTrips).toBe(0);
    r.sim.goSilent(true);
    r.sim.module['detach']();
    const cutAt = r.clock.monotonic();
    let droppedAt: number | undefined;
    r.sim.module.onCoilChange((a, on) => a === 0 && !on && (droppedAt ??= r.clock.monotonic()));
    await r.clock.advanceAsync(1500, 10);
    expect(droppedAt).toBeDefined();
    expect(droppedAt! - cutAt).toBeLessThanOrEqual(1000);
  });

  it('refuses potential mode on a module whose watchdog cannot be armed: the lane stays shut', async () => {
    const r = (current = await rig({ mode: 'potential', moduleWatchdog: WATCHDOG }, () => undefined, null));
    expect(r.driver.status()).toMatchObject({ state: 'degraded', lastError: { code: 'TURNSTILE_WATCHDOG_UNARMED', message: expect.stringContaining('ILLEGAL_DATA_ADDRESS') }, detail: { moduleWatchdog: 'unarmed' } });
    expect(await r.driver.open('in')).toMatchObject({ kind: 'refused', code: 'OUT_OF_SERVICE', message: expect.stringContaining('watchdog') });
    expect(r.sim.module.coil(0)).toBe(false);
  });

  it('refuses a potential-mode configuration without a module watchdog', () => {
    expect(() => turnstileConfig({ id: 'x', mode: 'potential' })).toThrow(/potential mode .* needs the I\/O module's communication watchdog/);
    expect(() => turnstileConfig({ id: 'x', moduleWatchdog: { register: 8, unitMs: 1000, timeoutMs: 100 } })).toThrow(/below 300 ms/);
    expect(turnstileConfig({ id: 'x' }).moduleWatchdog).toBeUndefined();
  });

  it('re-arms the watchdog of a module that lost it (power blip), at the next check', async () => {
    const r = (current = await rig({ moduleWatchdog: WATCHDOG }));
    r.sim.module['registers'][8] = 0;
    await r.clock.advanceAsync(10_500, 10);
    expect(r.sim.module.register(8)).toBe(1);
    expect(r.driver.status().detail).toMatchObject({ moduleWatchdog: 'armed' });
  });

  it('pulse mode on a module without a watchdog works, and says so', async () => {
    const r = (current = await rig({}, () => undefined, null));
    expect(r.driver.status()).toMatchObject({ state: 'online', detail: { moduleWatchdog: 'none', moduleWatchdogMs: null } });
    r.sim.nextPerson('in', { kind: 'pass', afterMs: 300 });
    expect(await openAndWait(r, 'in')).toMatchObject({ kind: 'passed' });
  });

  it('a second open in the same direction while one is pending is refused as busy; the other direction works', async () => {
    const r = (current = await rig());
    r.sim.nextPerson('in', { kind: 'pass', afterMs: 1000 });
    r.sim.nextPerson('out', { kind: 'pass', afterMs: 400 });
    const first = r.driver.open('in');
    expect(await r.driver.open('in')).toMatchObject({ kind: 'refused', code: 'BUSY' });
    const other = r.driver.open('out');
    await r.clock.advanceAsync(2000, 5);
    expect(await first).toMatchObject({ kind: 'passed' });
    expect(await other).toMatchObject({ kind: 'passed' });
  });

  it('the watchdog releases a relay left on behind the driver\'s back', async () => {
    const r = (current = await rig());
    // Another master (or a module that kept its state over a reset) switched the relay on.
    r.sim.module['setCoil'](0, true);
    await r.clock.advanceAsync(1200, 5);
    expect(r.sim.module.coil(0)).toBe(false);
    expect(r.driver.status()).toMatchObject({ lastError: { code: 'TURNSTILE_RELAY_WATCHDOG' }, detail: { watchdogReleases: 1 } });
  });

  it('stops with both relays off and starts again', async () => {
    const r = (current = await rig());
    r.sim.nextPerson('in', { kind: 'walk-away' });
    let outcome: PassageOutcome | undefined;
    void r.driver.open('in').then((o) => (outcome = o));
    await r.clock.advanceAsync(150, 5);
    const stopped = r.driver.stop();
    await r.clock.advanceAsync(300, 5);
    await stopped;
    expect(outcome).toEqual({ kind: 'not-passed' });
    expect(r.driver.status()).toMatchObject({ state: 'offline', detail: { stopped: true } });
    expect(await r.driver.open('in')).toMatchObject({ kind: 'refused', code: 'OUT_OF_SERVICE' });
    expect([r.sim.module.coil(0), r.sim.module.coil(1)]).toEqual([false, false]);
    const started = r.driver.start();
    await r.clock.advanceAsync(20, 5);
    await started;
    expect(r.driver.status()).toMatchObject({ state: 'online', detail: { stopped: false } });
    r.sim.nextPerson('out', { kind: 'pass', afterMs: 300 });
    expect(await openAndWait(r, 'out')).toMatchObject({ kind: 'passed' });
    expect(r.events).toEqual([]);
  });

  it('a relay left on by a previous run is released at start', async () => {
    const r = (current = await rig({}, (sim) => sim.module['setCoil'](1, true)));
    expect(r.sim.module.coil(1)).toBe(false);
    expect(r.driver.status().state).toBe('online');
  });

  it('a fire alarm already on at start: event, relays held, opens refused', async () => {
    const r = (current = await rig({}, (sim) => sim.setFireAlarm(true)));
    await r.clock.advanceAsync(50, 5);
    expect(r.events).toEqual([expect.objectContaining({ kind: 'fire-alarm', active: true })]);
    expect([r.sim.module.coil(0), r.sim.module.coil(1)]).toEqual([true, true]);
    expect(await r.driver.open('in')).toMatchObject({ kind: 'refused', code: 'FIRE_ALARM' });
  });

  it('a slow module: under the timeout it just works; over it, timeouts are retried and the lane stays up', async () => {
    const r = (current = await rig());
    r.sim.module.faults.replyDelayMs = 50;
    r.sim.nextPerson('in', { kind: 'pass', afterMs: 400 });
    expect(await openAndWait(r, 'in')).toMatchObject({ kind: 'passed' });
    expect(r.driver.status().detail).toMatchObject({ requestTimeouts: 0 });
    r.sim.module.faults.replyDelayMs = 120;
    r.sim.nextPerson('out', { kind: 'pass', afterMs: 400 });
    expect(await openAndWait(r, 'out')).toMatchObject({ kind: 'passed' });
    expect(r.driver.status().detail?.requestTimeouts).toBeGreaterThan(0);
    expect(r.events).toEqual([]);
  });

  it('a PASS pulse is never missed with the default polling, even when people come fast', async () => {
    const r = (current = await rig());
    for (let i = 0; i < 20; i++) r.sim.forcePassage(i % 2 ? 'in' : 'out');
    await r.clock.advanceAsync(7000, 2);
    expect(r.events.filter((e) => e.kind === 'forced-passage')).toHaveLength(20);
  });

  it('holdPolls keeps status polls off the bus for the hold, never holds an open, and never delays a poll past MAX_POLL_HOLD_MS', async () => {
    const r = (current = await rig());
    const sent: { at: number; fc: number }[] = [];
    const write = r.transport.write.bind(r.transport);
    r.transport.write = (bytes) => {
      sent.push({ at: r.clock.monotonic(), fc: bytes[1] ?? -1 });
      return write(bytes);
    };
    const polls = () => sent.filter((s) => s.fc === 0x02);
    await r.clock.advanceAsync(200, 1);
    expect(polls().length).toBeGreaterThanOrEqual(3);
    // A hold taken just before the next poll is due: that poll waits for the end of the hold.
    sent.length = 0;
    while (polls().length === 0) await r.clock.advanceAsync(1, 1);
    const interval = turnstileConfig({ id: 'x' }).pollIntervalMs;
    await r.clock.advanceAsync(interval - 5, 1);
    sent.length = 0;
    r.driver.holdPolls(MAX_POLL_HOLD_MS);
    await r.clock.advanceAsync(MAX_POLL_HOLD_MS - 2, 1);
    expect(polls()).toEqual([]);
    // The unlock goes at once although the hold is on.
    r.driver.holdPolls(30);
    void r.driver.open('in');
    await r.clock.advanceAsync(1, 1);
    expect(sent.map((s) => s.fc)).toEqual([0x05]);
    // Once the hold ends, polling resumes.
    await r.clock.advanceAsync(100, 1);
    expect(polls().length).toBeGreaterThanOrEqual(1);
    // A hold renewed without end (noise on a reader line) cannot starve the inputs.
    sent.length = 0;
    for (let t = 0; t < 1200; t += 5) {
      r.driver.holdPolls(30);
      await r.clock.advanceAsync(5, 1);
    }
    const at = polls().map((s) => s.at);
    expect(at.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < at.length; i++) expect((at[i] as number) - (at[i - 1] as number)).toBeLessThanOrEqual(interval + MAX_POLL_HOLD_MS + 10);
    // Nor the relay watchdog (its coil read waits for a poll without a hold, at most twice its interval).
    expect(sent.filter((x) => x.fc === 0x01).length).toBeGreaterThanOrEqual(1);
  });
});
