import { mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EM4100_LINE_SETTINGS, Em4100Reader } from '../../agent/devices/em4100/em4100-reader.ts';
import type { DeviceStatus } from '../../agent/devices/device.ts';
import type { CredentialPresented } from '../../agent/devices/reader.ts';
import { SerialTransport } from '../../agent/transport/serial.ts';
import { TcpTransport } from '../../agent/transport/tcp.ts';
import { Em4100ReaderSim } from '../../firmware-sim/em4100/em4100-sim.ts';
import { listenTcpLink, openSerialLink, type ClosableLink } from '../../firmware-sim/links.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { eventually } from '../contract/transport.contract.ts';
import { startPtyPair, type PtyPair } from '../support/socat.ts';

const CARD_A = { version: 0x01, tag: 12345678 };
const CARD_B = { version: 0x2a, tag: 0xdeadbeef };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const numbers = (c: CredentialPresented[]) => c.map((e) => (e.credential.kind === 'badge' ? e.credential.number : e.credential.kind));

/** A module on a socat pty, reachable by the box under a fixed path that survives a replug. */
class PluggedModule {
  readonly dir = mkdtempSync(join(tmpdir(), 'resabox-em4100-'));
  readonly path = join(this.dir, 'ttyEM4100');
  pair: PtyPair | undefined;
  link: ClosableLink | undefined;
  sim: Em4100ReaderSim | undefined;

  async plug(): Promise<Em4100ReaderSim> {
    this.pair = await startPtyPair();
    symlinkSync(this.pair.a, this.path);
    this.link = await openSerialLink(this.pair.b, 9600);
    this.sim = new Em4100ReaderSim(this.link, { clock: systemClock });
    return this.sim;
  }

  async unplug(): Promise<void> {
    this.sim?.remove();
    await this.link?.close();
    await this.pair?.stop();
    this.pair = undefined;
    unlinkSync(this.path);
  }

  async dispose(): Promise<void> {
    if (this.pair) await this.unplug();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('EM4100 reader over a socat pty with the simulated module on the other end', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup() {
    const module = new PluggedModule();
    cleanups.push(() => module.dispose());
    const sim = await module.plug();
    const reader = new Em4100Reader({ id: 'lane1-in', transport: new SerialTransport({ path: module.path, ...EM4100_LINE_SETTINGS }), clock: systemClock, logger: silentLogger, backoff: { initialMs: 50, maxMs: 200 } });
    cleanups.push(() => reader.stop());
    const credentials: CredentialPresented[] = [];
    const states: DeviceStatus['state'][] = [];
    reader.onCredential((e) => credentials.push(e));
    reader.onStatus((s) => {
      if (states.at(-1) !== s.state) states.push(s.state);
    });
    await reader.start();
    return { module, sim, reader, credentials, states };
  }

  it('delivers each card exactly once per presentation despite the 65 ms frame repeats', async () => {
    const { sim, credentials, reader } = await setup();
    expect(reader.status().state).toBe('online');
    sim.present(CARD_A);
    await sleep(1000);
    sim.remove();
    await sleep(500);
    sim.present(CARD_A);
    await sleep(400);
    sim.present(CARD_B);
    await sleep(400);
    sim.remove();
    await eventually('three presentations', () => credentials.length >= 3);
    await sleep(100);
    expect(sim.framesSent).toBeGreaterThan(20);
    expect(numbers(credentials)).toEqual(['12345678', '12345678', String(0xdeadbeef)]);
    expect(credentials.map((c) => c.credential.kind === 'badge' && c.credential.raw)).toEqual(['0100BC614E', '0100BC614E', '2ADEADBEEF']);
  });

  it('reads the card through corrupted frames and reports the line errors', async () => {
    const { sim, credentials, reader } = await setup();
    sim.corruptNext(3, 'checksum');
    sim.present(CARD_B);
    await eventually('the card', () => credentials.length === 1);
    sim.sendRaw(Uint8Array.of(0xff, 0xfe));
    await sleep(300);
    sim.remove();
    expect(numbers(credentials)).toEqual([String(0xdeadbeef)]);
    expect(reader.status().detail).toMatchObject({ badFrames: 4 });
    expect(reader.status().lastError?.code).toBe('EM4100_NO_STX');
  });

  it('goes offline when the module is unplugged and reads cards again once it is back', async () => {
    const { module, credentials, reader, states } = await setup();
    await module.unplug();
    await eventually('offline', () => reader.status().state === 'offline');
    expect(reader.status().lastError?.code).toMatch(/^TRANSPORT_(LINK_LOST|OPEN_FAILED)$/);
    await sleep(300); // a few failed reopen attempts while the device is absent
    const sim = await module.plug();
    await eventually('online again', () => reader.status().state === 'online');
    sim.present(CARD_A);
    await eventually('the card after the replug', () => credentials.length === 1);
    expect(numbers(credentials)).toEqual(['12345678']);
    expect(states.slice(0, 3)).toEqual(['starting', 'online', 'offline']);
  });
});

describe('EM4100 reader over TCP (a serial-to-Ethernet converter) with the simulated module', () => {
  it('delivers a held card once', async () => {
    const link = await listenTcpLink();
    const reader = new Em4100Reader({ id: 'gate', transport: new TcpTransport('127.0.0.1', link.port), clock: systemClock, logger: silentLogger });
    const credentials: CredentialPresented[] = [];
    reader.onCredential((e) => credentials.push(e));
    try {
      await reader.start();
      await sleep(50);
      const sim = new Em4100ReaderSim(link, { clock: systemClock });
      sim.present(CARD_A);
      await sleep(600);
      sim.remove();
      await eventually('the card', () => credentials.length === 1);
      expect(sim.framesSent).toBeGreaterThan(5);
      expect(numbers(credentials)).toEqual(['12345678']);
    } finally {
      await reader.stop();
      await link.close();
    }
  });
});
