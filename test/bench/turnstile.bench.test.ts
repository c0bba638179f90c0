import { expect, it } from 'vitest';
import { turnstileConfig } from '../../agent/devices/turnstile/config.ts';
import { ModbusTurnstile } from '../../agent/devices/turnstile/modbus-turnstile.ts';
import { SerialTransport } from '../../agent/transport/serial.ts';
import { openSerialLink } from '../../firmware-sim/links.ts';
import { createTurnstileSim } from '../../firmware-sim/turnstile/index.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { startPtyPair } from '../support/socat.ts';

/*
 * Latency of the turnstile path over a real tty pair (socat), driver and simulator in one
 * process so both ends read the same clock:
 * - open-to-relay: driver.open() called -> the module's unlock coil switches on;
 * - PASS-to-event: the PASS input goes on -> open() resolves "passed".
 * A pty has no baud timing; the second run has the simulator emulate a 9600-baud line
 * (request + reply bytes at 11 bits each) plus a 5 ms module turnaround.
 */
const SAMPLES = 60;

function quantiles(label: string, xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): string => (s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] as number).toFixed(2);
  return `  ${label.padEnd(14)} n=${s.length}  p50=${q(0.5)} ms  p99=${q(0.99)} ms  max=${q(1)} ms`;
}

async function measure(label: string, line: { lineBaud?: number; turnaroundMs?: number }): Promise<void> {
  const pty = await startPtyPair();
  const link = await openSerialLink(pty.b, 9600);
  const sim = createTurnstileSim(link, systemClock, { windowMs: 5000, ...(line.lineBaud ? { lineBaud: line.lineBaud } : {}) });
  sim.module.faults.replyDelayMs = line.turnaroundMs ?? 0;
  const config = turnstileConfig({ id: 'bench' });
  const driver = new ModbusTurnstile(config, { transport: new SerialTransport({ path: pty.a, baudRate: 9600 }), clock: systemClock, logger: silentLogger });
  try {
    await driver.start();
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
    console.log(`${label}: pulse mode, poll every ${config.pollIntervalMs} ms, ${SAMPLES} passages`);
    console.log(quantiles('open-to-relay', openToRelay));
    console.log(quantiles('PASS-to-event', passToEvent));
    console.log(`  request timeouts (retried): ${driver.status().detail?.requestTimeouts}`);
  } finally {
    await driver.stop();
    sim.dispose();
    await link.close();
    await pty.stop();
  }
}

it('open-to-relay and PASS-to-event latency over a raw pty', async () => {
  await measure('raw pty (no line timing)', {});
});

it('open-to-relay and PASS-to-event latency over a pty with a 9600-baud line emulated', async () => {
  await measure('pty + emulated 9600 baud line, 5 ms turnaround', { lineBaud: 9600, turnaroundMs: 5 });
});
