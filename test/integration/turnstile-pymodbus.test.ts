import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { turnstileConfig, type TurnstileConfig } from '../../agent/devices/turnstile/config.ts';
import { ModbusMaster } from '../../agent/devices/turnstile/modbus-master.ts';
import { ModbusTurnstile } from '../../agent/devices/turnstile/modbus-turnstile.ts';
import type { TurnstileEvent } from '../../agent/devices/turnstile-port.ts';
import { SerialTransport } from '../../agent/transport/serial.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { startPymodbusServer, type PymodbusServer } from '../support/pymodbus-server.ts';
import { startPtyPair, type PtyPair } from '../support/socat.ts';
import { sleep, waitFor } from '../support/wait.ts';

/*
 * Our driver against a Modbus server no one here wrote: pymodbus' RTU framer, decoder and
 * datastore on the far end of a socat pty pair. The test plays the turnstile controller
 * by setting the server's discrete inputs (PASS pulses, fire loop, ready).
 */
let pty: PtyPair;
let server: PymodbusServer;
let driver: ModbusTurnstile | undefined;
let events: TurnstileEvent[] = [];

beforeAll(async () => {
  pty = await startPtyPair();
  server = await startPymodbusServer(pty.b, 1);
});

afterAll(async () => {
  await driver?.stop();
  await server?.stop();
  await pty?.stop();
});

beforeEach(async () => {
  await driver?.stop();
  driver = undefined;
  for (const [address, on] of [[0, false], [1, false], [2, true], [3, true], [4, false]] as const) server.setInput(address, on);
  server.setSilent(false);
  await server.sync();
});

async function startDriver(config: Partial<TurnstileConfig> = {}): Promise<ModbusTurnstile> {
  events = [];
  const d = new ModbusTurnstile(turnstileConfig({ id: 'lane-py', windowMs: 2000, ...config }), { transport: new SerialTransport({ path: pty.a, baudRate: 9600 }), clock: systemClock, logger: silentLogger });
  d.onEvent((e) => events.push(e));
  await d.start();
  driver = d;
  return d;
}

/** The controller's PASS output: 250 ms, timed by the server as a module's own inputs are. */
const passPulse = (address: number): Promise<void> => server.pulseInput(address, 250);

describe('turnstile driver against pymodbus over a pty', () => {
  it('opens: the relay pulses on the server, the PASS input confirms the passage', async () => {
    const d = await startDriver();
    // start() resolves after its first poll even when that one timed out (under load, seen
    // with the server starved): the driver stays 'starting' until a read succeeds.
    await waitFor('online', () => d.status().state !== 'starting');
    expect(d.status()).toMatchObject({ state: 'online', detail: { ready: true, fireAlarm: false } });
    const outcome = d.open('in');
    await waitFor('coil 0 on', () => server.coils.get(0) === true);
    await sleep(300);
    await passPulse(0);
    expect(await outcome).toMatchObject({ kind: 'passed' });
    await waitFor('coil 0 off', () => server.coils.get(0) === false);
  });

  it('nobody passes: "not passed" after the window, relay off', async () => {
    const d = await startDriver();
    const started = Date.now();
    expect(await d.open('out')).toEqual({ kind: 'not-passed' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(server.coils.get(1)).toBe(false);
  });

  it('a PASS nobody granted raises a forced-passage event', async () => {
    await startDriver();
    await passPulse(1);
    await waitFor('forced-passage event', () => events.some((e) => e.kind === 'forced-passage' && e.direction === 'out'));
  });

  it('fire alarm: both relays held on, opens refused, released when the loop closes', async () => {
    const d = await startDriver();
    server.setInput(2, false);
    await waitFor('fire-alarm event', () => events.some((e) => e.kind === 'fire-alarm' && e.active));
    await waitFor('both coils on', () => server.coils.get(0) === true && server.coils.get(1) === true);
    expect(await d.open('in')).toMatchObject({ kind: 'refused', code: 'FIRE_ALARM' });
    server.setInput(2, true);
    await waitFor('fire alarm over', () => events.some((e) => e.kind === 'fire-alarm' && !e.active));
    await waitFor('both coils off', () => server.coils.get(0) === false && server.coils.get(1) === false);
  });

  it('arms the module watchdog in a holding register (FC06, read back with FC03) before potential mode opens', async () => {
    await startDriver({ mode: 'potential', moduleWatchdog: { register: 8, unitMs: 1000, timeoutMs: 2500 } });
    expect(await server.register(8)).toBe(3);
    expect(driver?.status().detail).toMatchObject({ moduleWatchdog: 'armed', moduleWatchdogMs: 3000 });
  });

  it('potential mode: the relay is held until the PASS, then released', async () => {
    const d = await startDriver({ mode: 'potential', moduleWatchdog: { register: 8, unitMs: 1000, timeoutMs: 1000 } });
    const outcome = d.open('out');
    await waitFor('coil 1 on', () => server.coils.get(1) === true);
    await sleep(600);
    expect(server.coils.get(1)).toBe(true);
    await passPulse(1);
    expect(await outcome).toMatchObject({ kind: 'passed' });
    await waitFor('coil 1 off', () => server.coils.get(1) === false);
  });

  it('the server going silent takes the lane out of service; it comes back', async () => {
    const d = await startDriver({ probeIntervalMs: 200 });
    server.setSilent(true);
    await waitFor('out of service', () => events.some((e) => e.kind === 'out-of-service' && e.active));
    expect(await d.open('in')).toMatchObject({ kind: 'refused', code: 'OUT_OF_SERVICE' });
    server.setSilent(false);
    await waitFor('back in service', () => events.some((e) => e.kind === 'out-of-service' && !e.active));
    expect(d.status().state).toBe('online');
    expect(server.errors).toEqual([]);
  });
});

describe('Modbus master registers against pymodbus over a pty (FC03, FC06, FC10)', () => {
  it('writes and reads holding registers, and gets the exception of an out-of-range read', async () => {
    await driver?.stop();
    driver = undefined;
    const transport = new SerialTransport({ path: pty.a, baudRate: 9600 });
    await transport.open();
    const master = new ModbusMaster(transport, { clock: systemClock, logger: silentLogger, timeoutMs: 300, retries: 1 });
    try {
      await master.writeMultipleRegisters(1, 2, [0x1234, 7]);
      await master.writeSingleRegister(1, 5, 0xffff);
      expect(await master.readHoldingRegisters(1, 2, 4)).toEqual([0x1234, 7, 0, 0xffff]);
      expect([await server.register(2), await server.register(3), await server.register(5)]).toEqual([0x1234, 7, 0xffff]);
      await expect(master.readHoldingRegisters(1, 15, 2)).rejects.toMatchObject({ code: 'MODBUS_EXCEPTION', detail: { exception: 2, functionCode: 3 } });
    } finally {
      master.dispose();
      await transport.close();
    }
  });
});
