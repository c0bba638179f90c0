import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceStatus } from '../../agent/devices/device.ts';
import { HidWedgeReader } from '../../agent/devices/hid-wedge/hid-wedge-reader.ts';
import type { CredentialPresented } from '../../agent/devices/reader.ts';
import { createTransport } from '../../agent/transport/create.ts';
import { FakeHidDevice } from '../../firmware-sim/hid-scanner/fake-hid-device.ts';
import { HidScannerSim } from '../../firmware-sim/hid-scanner/hid-scanner-sim.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { eventually } from '../contract/transport.contract.ts';

// /dev/uhid does not exist here, so the device under the real HidTransport is the simulated
// one, injected through the transport's device opener exactly where node-hid would be.
const VID = 0x0c2e;
const PID = 0x0b61;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const summary = (c: CredentialPresented[]) => c.map((e) => (e.credential.kind === 'badge' ? `badge:${e.credential.number}` : e.credential.kind === 'qr' ? `qr:${e.credential.payload}` : 'pin'));

describe('HID keyboard-wedge reader over HidTransport and a simulated scanner', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(reportIntervalMs = 0, reportId?: number) {
    const device = new FakeHidDevice(VID, PID);
    const opened: number[] = [];
    const transport = createTransport(
      { kind: 'hid', vendorId: VID, productId: PID },
      {
        openHidDevice: (selector) => {
          opened.push(selector.vendorId, selector.productId);
          return device.open();
        },
      },
    );
    const reader = new HidWedgeReader({ id: 'totem', transport, clock: systemClock, logger: silentLogger, repeatWindowMs: 600, backoff: { initialMs: 50, maxMs: 200 }, ...(reportId === undefined ? {} : { reportId }) });
    cleanups.push(() => reader.stop());
    const credentials: CredentialPresented[] = [];
    const states: DeviceStatus['state'][] = [];
    reader.onCredential((e) => credentials.push(e));
    reader.onStatus((s) => {
      if (states.at(-1) !== s.state) states.push(s.state);
    });
    await reader.start();
    const scanner = new HidScannerSim(device, { clock: systemClock, reportIntervalMs, ...(reportId === undefined ? {} : { reportId }) });
    cleanups.push(async () => scanner.release());
    return { device, reader, scanner, credentials, states, opened };
  }

  it('opens the device selected by vendor and product id', async () => {
    const { opened, reader } = await setup();
    expect(opened).toEqual([VID, PID]);
    expect(reader.status()).toMatchObject({ state: 'online', detail: { transport: 'hid:0c2e:0b61' } });
  });

  it('delivers a held badge once despite the reader re-typing it, then a QR code', async () => {
    const { scanner, credentials } = await setup();
    scanner.holdBadge('0012345678', 200);
    await sleep(1000);
    scanner.release();
    await sleep(700);
    scanner.scan('RBX1.eyJtIjo0Mn0.c2ln');
    await eventually('badge and QR', () => credentials.length >= 2);
    await sleep(100);
    expect(scanner.scans).toBeGreaterThanOrEqual(5);
    expect(summary(credentials)).toEqual(['badge:12345678', 'qr:RBX1.eyJtIjo0Mn0.c2ln']);
  });

  it('reads a scan typed one report at a time', async () => {
    const { scanner, credentials } = await setup(2);
    scanner.scan('Hello-Club_42');
    await eventually('the slow scan', () => credentials.length === 1);
    expect(summary(credentials)).toEqual(['qr:Hello-Club_42']);
  });

  it('reads a composite device that numbers its reports, skipping its other reports', async () => {
    const { scanner, credentials } = await setup(0, 1);
    scanner.sendRaw(Uint8Array.of(2, 0xe9, 0x00)); // a consumer-control report (volume up)
    scanner.scan('0012345678');
    await eventually('the scan', () => credentials.length === 1);
    expect(summary(credentials)).toEqual(['badge:12345678']);
  });

  it('reports a rollover error and keeps reading', async () => {
    const { scanner, credentials, reader } = await setup();
    scanner.rollover();
    scanner.scan('777');
    await eventually('the scan after the rollover', () => credentials.length === 1);
    expect(reader.status().lastError?.code).toBe('HID_ROLLOVER');
    expect(summary(credentials)).toEqual(['badge:777']);
  });

  it('goes offline when unplugged, reconnects when plugged back, and reads again', async () => {
    const { scanner, credentials, reader, states } = await setup();
    scanner.unplug();
    await eventually('offline', () => reader.status().state === 'offline');
    expect(reader.status().lastError?.code).toBe('TRANSPORT_LINK_LOST');
    await sleep(200); // reopen attempts fail while the device is off the bus
    expect(reader.status().lastError?.code).toBe('TRANSPORT_OPEN_FAILED');
    scanner.plug();
    await eventually('online again', () => reader.status().state === 'online');
    scanner.scan('4242');
    await eventually('the scan after the replug', () => credentials.length === 1);
    expect(summary(credentials)).toEqual(['badge:4242']);
    expect(states.slice(0, 4)).toEqual(['starting', 'online', 'offline', 'online']);
  });
});
