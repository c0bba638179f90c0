import { afterAll, beforeAll, expect, it } from 'vitest';
import { turnstileConfig } from '../../agent/devices/turnstile/config.ts';
import { ModbusTurnstile } from '../../agent/devices/turnstile/modbus-turnstile.ts';
import { SerialTransport } from '../../agent/transport/serial.ts';
import { openSerialLink, type ClosableLink } from '../../firmware-sim/links.ts';
import { createTurnstileSim, type SimulatedTurnstile } from '../../firmware-sim/turnstile/index.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { startPtyPair, type PtyPair } from '../support/socat.ts';

/*
 * Latency of the turnstile path over a real tty pair (socat), driver and simulator in one
 * process so both ends read the same clock:
 * - open-to-relay: driver.open() called -> the module's unlock coil switches on;
 * - PASS-to-event: the PASS input goes on -> open() resolves "passed".
 * A pty has no baud timing: on a 9600-baud RS-485 line add ~16 ms per transaction.
 */
const SAMPLES = 100;
let pty: PtyPair;
let link: ClosableLink;
let sim: SimulatedTurnstile;
let driver: ModbusTurnstile;

beforeAll(async () => {
  pty = await startPtyPair();
  link = await openSerialLink(pty.b, 9600);
  sim = createTurnstileSim(link, systemClock, { windowMs: 5000 });
  driver = new ModbusTurnstile(turnstileConfig({ id: 'bench' }), { transport: new SerialTransport({ path: pty.a, baudRate: 9600 }), clock: systemClock, logger: silentLogger });
  await driver.start();
});

afterAll(async () => {
  await driver?.stop();
  sim?.dispose();
  await link?.close();
  await pty?.stop();
});

function quantiles(label: string, xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): string => (s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] as number).toFixed(2);
  return `${label.padEnd(16)} n=${s.length}  p50=${q(0.5)} ms  p99=${q(0.99)} ms  max=${q(1)} ms`;
}

it('open-to-relay and PASS-to-event latency over a pty', async () => {
  const openToRelay: number[] = [];
  const passToEvent: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const direction = i % 2 === 0 ? 'in' : 'out';
    const coil = direction === 'in' ? 0 : 1;
    // Vary the walking time so the PASS edge falls at every phase of the polling cycle.
    sim.nextPerson(direction, { kind: 'pass', afterMs: 150 + ((i * 7) % 40) });
    let relayAt = 0;
    let passAt = 0;
    const offCoil = sim.module.onCoilChange((a, on) => a === coil && on && relayAt === 0 && (relayAt = performance.now()));
    const offPass = sim.onPass(() => (passAt = performance.now()));
    const t0 = performance.now();
    const outcome = await driver.open(direction);
    const t1 = performance.now();
    offCoil();
    offPass();
    expect(outcome.kind).toBe('passed');
    openToRelay.push(relayAt - t0);
    passToEvent.push(t1 - passAt);
    // Let the PASS pulse end before the next person.
    await new Promise((r) => setTimeout(r, 300));
  }
  console.log(`turnstile over a socat pty, pulse mode, poll every ${turnstileConfig({ id: 'x' }).pollIntervalMs} ms, ${SAMPLES} passages`);
  console.log(quantiles('open-to-relay', openToRelay));
  console.log(quantiles('PASS-to-event', passToEvent));
  console.log(`request timeouts (retried) during the run: ${driver.status().detail?.requestTimeouts}`);
});
