import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OsdpControlPanel } from '../../agent/devices/osdp/control-panel.ts';
import type { CredentialPresented } from '../../agent/devices/reader.ts';
import { SerialTransport } from '../../agent/transport/serial.ts';
import { SimulatedOsdpBus } from '../../firmware-sim/osdp/bus.ts';
import { SimulatedPd } from '../../firmware-sim/osdp/pd.ts';
import { openSerialLink, type ClosableLink } from '../../firmware-sim/links.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { fromHex, toHex } from '../../protocol/core/index.ts';
import { startPtyPair, type PtyPair } from '../support/socat.ts';

/**
 * The OSDP control panel on a real tty (socat pty pair): the CP opens end a with the
 * agent's SerialTransport, two simulated readers share end b (one RS-485 bus, addresses 1
 * and 2). Real clock, real timeouts.
 */
const LANE_KEY = fromHex('000102030405060708090a0b0c0d0e0f');
const EXIT_KEY = fromHex('f0e1d2c3b4a5968778695a4b3c2d1e0f');

async function waitFor(what: string, check: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('OSDP over a pty pair: control panel and two simulated readers on one bus', () => {
  let pty: PtyPair;
  let link: ClosableLink;
  let bus: SimulatedOsdpBus;
  let cp: OsdpControlPanel;
  const credentials: CredentialPresented[] = [];
  const installed: string[] = [];

  beforeAll(async () => {
    pty = await startPtyPair();
    link = await openSerialLink(pty.b, 115200);
    bus = new SimulatedOsdpBus(link, [new SimulatedPd({ address: 1, serial: 501 }), new SimulatedPd({ address: 2, serial: 502, scbk: EXIT_KEY })]);
    cp = new OsdpControlPanel({
      transport: new SerialTransport({ path: pty.a, baudRate: 115200 }),
      clock: systemClock,
      logger: silentLogger,
      readers: [
        { id: 'lane-1-in', address: 1, installKey: LANE_KEY },
        { id: 'lane-1-out', address: 2, scbk: EXIT_KEY },
      ],
    });
    cp.onKeyInstalled((id, key) => installed.push(`${id}:${toHex(key)}`));
    for (const r of cp.readers) r.onCredential((e) => credentials.push(e));
    await cp.start();
  });

  afterAll(async () => {
    await cp?.stop();
    bus?.detach();
    await link?.close();
    await pty?.stop();
  });

  it('discovers both readers and sets up the secure channel (installing the key of reader 1)', async () => {
    await waitFor('both readers online with a secure channel', () => cp.readers.every((r) => r.status().state === 'online' && r.status().detail?.secureChannel === true));
    expect(cp.reader('lane-1-in').status().detail).toMatchObject({ address: 1, serial: 501 });
    expect(cp.reader('lane-1-out').status().detail).toMatchObject({ address: 2, serial: 502 });
    expect(installed).toEqual([`lane-1-in:${toHex(LANE_KEY)}`]);
    expect(toHex(bus.reader(1).currentScbk ?? new Uint8Array(0))).toBe(toHex(LANE_KEY));
    expect(bus.reader(1).secureChannelActive && bus.reader(2).secureChannelActive).toBe(true);
  });

  it('receives a card read and a PIN as credential events', async () => {
    bus.reader(1).presentCard(42, 4242);
    bus.reader(2).typePin('2468#');
    await waitFor('two credentials', () => credentials.length >= 2);
    expect(credentials.map((c) => [c.readerId, c.credential])).toEqual(
      expect.arrayContaining([
        ['lane-1-in', { kind: 'badge', number: String(42 * 65536 + 4242), raw: expect.stringMatching(/^26:/), format: 'wiegand26' }],
        ['lane-1-out', { kind: 'pin', pin: '2468' }],
      ]),
    );
  });

  it('drives LEDs, buzzer and text on the right reader', async () => {
    await cp.reader('lane-1-in').feedback({ kind: 'granted', text: 'Bienvenue' });
    await cp.reader('lane-1-out').feedback({ kind: 'denied' });
    expect(bus.reader(1).leds.get(0)?.temporary).toMatchObject({ onColour: 2 });
    expect(bus.reader(1).buzzerLog.at(-1)).toMatchObject({ count: 1 });
    expect(bus.reader(1).textLog).toEqual(['Bienvenue']);
    expect(bus.reader(2).leds.get(0)?.temporary).toMatchObject({ onColour: 1, offColour: 0 });
    expect(bus.reader(2).buzzerLog.at(-1)).toMatchObject({ count: 3 });
  });

  it('marks a silent reader offline while the other stays online, then recovers it', async () => {
    bus.reader(2).goSilent(true);
    await waitFor('reader 2 offline', () => cp.reader('lane-1-out').status().state === 'offline');
    expect(cp.reader('lane-1-out').status().lastError?.code).toBe('OSDP_NO_REPLY');
    expect(cp.reader('lane-1-in').status().state).toBe('online');
    bus.reader(2).goSilent(false);
    await waitFor('reader 2 back online with a secure channel', () => {
      const s = cp.reader('lane-1-out').status();
      return s.state === 'online' && s.detail?.secureChannel === true;
    });
    bus.reader(2).presentCard(1, 1);
    await waitFor('a card from the recovered reader', () => credentials.some((c) => c.readerId === 'lane-1-out' && c.credential.kind === 'badge'));
  });
});
