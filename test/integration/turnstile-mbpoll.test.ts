import { execFile } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openSerialLink, type ClosableLink } from '../../firmware-sim/links.ts';
import { createTurnstileSim, type SimulatedTurnstile } from '../../firmware-sim/turnstile/index.ts';
import { systemClock } from '../../platform/clock.ts';
import { startPtyPair, type PtyPair } from '../support/socat.ts';
import { waitFor } from '../support/wait.ts';

/*
 * Our simulator against a Modbus master no one here wrote: mbpoll (libmodbus) on the host
 * end of a socat pty pair. mbpoll references are 1-based: reference 1 is coil/input 0.
 */
let pty: PtyPair;
let link: ClosableLink;
let sim: SimulatedTurnstile;

beforeAll(async () => {
  pty = await startPtyPair();
  link = await openSerialLink(pty.b, 9600);
});

afterAll(async () => {
  sim?.dispose();
  await link?.close();
  await pty?.stop();
});

beforeEach(() => {
  sim?.dispose();
  sim = createTurnstileSim(link, systemClock, { mode: 'pulse', windowMs: 1500 });
});

/** Runs mbpoll once, asynchronously (the simulator answers from this same process). */
function mbpoll(options: string[], writeValues: string[] = []): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('mbpoll', ['-m', 'rtu', '-b', '9600', '-P', 'none', '-a', '1', '-1', '-o', '0.5', ...options, pty.a, ...writeValues], { timeout: 10_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

const values = (out: string): number[] => [...out.matchAll(/^\[(\d+)\]:\s+(-?\d+)/gm)].map((m) => Number(m[2]));

describe('simulated turnstile module against mbpoll over a pty', () => {
  it('reads the discrete inputs: fire loop closed and ready, no PASS, no alarm (FC02)', async () => {
    const r = await mbpoll(['-t', '1', '-r', '1', '-c', '5']);
    expect(r.code).toBe(0);
    expect(values(r.out)).toEqual([0, 0, 1, 1, 0]);
  });

  it('writes the unlock-in coil (FC05): the arm lets the next person through and PASS pulses', async () => {
    sim.nextPerson('in', { kind: 'pass', afterMs: 50 });
    const on = await mbpoll(['-t', '0', '-r', '1'], ['1']);
    expect(on.out).toContain('Written 1 references');
    expect(sim.module.coil(0)).toBe(true);
    await waitFor('granted passage', () => sim.passages.some((p) => p.kind === 'granted' && p.direction === 'in'));
    const read = await mbpoll(['-t', '0', '-r', '1', '-c', '2']);
    expect(values(read.out)).toEqual([1, 0]);
    await mbpoll(['-t', '0', '-r', '1'], ['0']);
    expect(sim.module.coil(0)).toBe(false);
  });

  it('writes both coils at once (FC0F)', async () => {
    const r = await mbpoll(['-t', '0', '-r', '1'], ['1', '1']);
    expect(r.out).toContain('Written 2 references');
    expect([sim.module.coil(0), sim.module.coil(1)]).toEqual([true, true]);
    await mbpoll(['-t', '0', '-r', '1'], ['0', '0']);
    expect([sim.module.coil(0), sim.module.coil(1)]).toEqual([false, false]);
  });

  it('shows the fire loop open and ready off during a fire alarm', async () => {
    sim.setFireAlarm(true);
    expect(values((await mbpoll(['-t', '1', '-r', '3', '-c', '2'])).out)).toEqual([0, 0]);
    sim.setFireAlarm(false);
    expect(values((await mbpoll(['-t', '1', '-r', '3', '-c', '2'])).out)).toEqual([1, 1]);
  });

  it('answers a read beyond its 8 inputs with exception 2 (illegal data address)', async () => {
    const r = await mbpoll(['-t', '1', '-r', '8', '-c', '2']);
    expect(r.out.toLowerCase()).toContain('illegal data address');
  });

  it('writes one holding register (FC06) and several (FC10), and reads them back (FC03)', async () => {
    expect((await mbpoll(['-t', '4', '-r', '3'], ['4660'])).out).toContain('Written 1 references');
    expect((await mbpoll(['-t', '4', '-r', '5'], ['7', '65535'])).out).toContain('Written 2 references');
    expect([sim.module.register(2), sim.module.register(4), sim.module.register(5)]).toEqual([4660, 7, 65535]);
    expect(values((await mbpoll(['-t', '4', '-r', '3', '-c', '4'])).out)).toEqual([4660, 0, 7, 65535]);
    expect([0x03, 0x06, 0x10].map((fc) => sim.module.functionCounts.get(fc) ?? 0)).toEqual([1, 1, 1]);
  });

  it('answers a holding-register read past its 16 registers with exception 2', async () => {
    expect((await mbpoll(['-t', '4', '-r', '16', '-c', '2'])).out.toLowerCase()).toContain('illegal data address');
  });

  it('models the communication watchdog: armed by the master (register 9 = 1 s), it drops the relays once the master stops talking', async () => {
    await mbpoll(['-t', '4', '-r', '9'], ['1']);
    // The master's last request is the coil write: the quiet time counts from when the module
    // executed it, not from when mbpoll's exit reached this process (under load, 146 ms later or more).
    let quietFrom = 0;
    const stopWatching = sim.module.onCoilChange(() => (quietFrom = Date.now()));
    await mbpoll(['-t', '0', '-r', '1'], ['1', '1']);
    stopWatching();
    expect(quietFrom).toBeGreaterThan(0);
    expect([sim.module.coil(0), sim.module.coil(1)]).toEqual([true, true]);
    await waitFor('the watchdog dropping the relays', () => !sim.module.coil(0) && !sim.module.coil(1));
    expect(sim.module.stats.watchdogTrips).toBe(1);
    expect(Date.now() - quietFrom).toBeGreaterThanOrEqual(900);
  });

  it('scripted exceptions reach the master', async () => {
    sim.answerWithException(0x04);
    const r = await mbpoll(['-t', '1', '-r', '1', '-c', '1']);
    expect(r.out.toLowerCase()).toContain('slave device or server failure');
  });

  it('a silent module makes the master time out', async () => {
    sim.goSilent(true);
    const r = await mbpoll(['-t', '1', '-r', '1', '-c', '1']);
    expect(r.out.toLowerCase()).toContain('timed out');
    expect(values(r.out)).toEqual([]);
  });
});
