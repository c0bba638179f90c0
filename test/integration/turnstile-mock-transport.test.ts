import { afterEach, describe, expect, it } from 'vitest';
import { turnstileConfig } from '../../agent/devices/turnstile/config.ts';
import { ModbusTurnstile } from '../../agent/devices/turnstile/modbus-turnstile.ts';
import type { TurnstileEvent } from '../../agent/devices/turnstile-port.ts';
import { MockTransport } from '../../agent/transport/mock.ts';
import { createTurnstileSim, type SimulatedTurnstile } from '../../firmware-sim/turnstile/index.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { waitFor } from '../support/wait.ts';

/* The simulator on the device end of the scaffold's MockTransport: link loss and latency. */
let driver: ModbusTurnstile | undefined;
let sim: SimulatedTurnstile | undefined;
afterEach(async () => {
  await driver?.stop();
  sim?.dispose();
});

describe('turnstile driver over MockTransport', () => {
  it('a lost link is reopened at the next poll, and the lane keeps working', async () => {
    const transport = new MockTransport('turnstile');
    transport.faults.latencyMs = 2;
    sim = createTurnstileSim(transport.device, systemClock, { personDelayMs: [200, 300] });
    driver = new ModbusTurnstile(turnstileConfig({ id: 'lane-mock' }), { transport, clock: systemClock, logger: silentLogger });
    const events: TurnstileEvent[] = [];
    driver.onEvent((e) => events.push(e));
    await driver.start();
    expect(await driver.open('in')).toMatchObject({ kind: 'passed' });
    transport.loseLink();
    await waitFor('link reopened', () => transport.isOpen);
    expect(await driver.open('out')).toMatchObject({ kind: 'passed' });
    expect(events).toEqual([]);
  });

  it('a link that stays down takes the lane out of service; it comes back when the link opens', async () => {
    const transport = new MockTransport('turnstile');
    sim = createTurnstileSim(transport.device, systemClock, { personDelayMs: [200, 300] });
    driver = new ModbusTurnstile(turnstileConfig({ id: 'lane-mock', probeIntervalMs: 100 }), { transport, clock: systemClock, logger: silentLogger });
    const events: TurnstileEvent[] = [];
    driver.onEvent((e) => events.push(e));
    await driver.start();
    // The USB adapter is unplugged: every reopen fails until it is back.
    const unplugged = setInterval(() => (transport.faults.failNextOpen = true), 1);
    transport.faults.failNextOpen = true;
    transport.loseLink();
    try {
      await waitFor('out of service', () => events.some((e) => e.kind === 'out-of-service' && e.active));
      expect(driver.status()).toMatchObject({ state: 'offline', lastError: { code: 'MODBUS_LINK_DOWN', message: expect.stringContaining('open failed') } });
      expect(await driver.open('in')).toMatchObject({ kind: 'refused', code: 'OUT_OF_SERVICE' });
    } finally {
      clearInterval(unplugged);
    }
    transport.faults.failNextOpen = false;
    await waitFor('back in service', () => events.some((e) => e.kind === 'out-of-service' && !e.active));
    expect(await driver.open('out')).toMatchObject({ kind: 'passed' });
  });

  it('a failed reopen is retried until the link opens again', async () => {
    const transport = new MockTransport('turnstile');
    sim = createTurnstileSim(transport.device, systemClock, {});
    driver = new ModbusTurnstile(turnstileConfig({ id: 'lane-mock', probeIntervalMs: 100 }), { transport, clock: systemClock, logger: silentLogger });
    const events: TurnstileEvent[] = [];
    driver.onEvent((e) => events.push(e));
    transport.faults.failNextOpen = true;
    await driver.start();
    await waitFor('online', () => driver?.status().state === 'online');
    expect(events).toEqual([]);
  });
});
