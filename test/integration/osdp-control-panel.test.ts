import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedOsdpBus } from '../../firmware-sim/osdp/bus.ts';
import { SimulatedPd, type SimulatedPdOptions } from '../../firmware-sim/osdp/pd.ts';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { capturingLogger } from '../support/log-capture.ts';
import { encodeWiegand } from '../../protocol/access/wiegand.ts';
import { fromHex, toHex } from '../../protocol/core/index.ts';
import { MockTransport } from '../../agent/transport/mock.ts';
import type { DeviceStatus } from '../../agent/devices/device.ts';
import type { CredentialPresented } from '../../agent/devices/reader.ts';
import { OsdpControlPanel, type OsdpReaderConfig, type OsdpTiming } from '../../agent/devices/osdp/control-panel.ts';

const KEY_A = fromHex('00112233445566778899aabbccddeeff');
const KEY_B = fromHex('ffeeddccbbaa99887766554433221100');

/** A link whose bytes, both ways, are corrupted with probability `rate` (seeded, repeatable). */
function noisy(end: MockTransport['device'], rate: number, seed = 7) {
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const corrupt = (data: Uint8Array): Uint8Array => data.map((b) => (rnd() < rate ? b ^ (1 + Math.floor(rnd() * 255)) : b));
  return {
    write: (data: Uint8Array) => end.write(corrupt(data)),
    onData: (l: (chunk: Uint8Array) => void) => end.onData((chunk) => l(corrupt(chunk))),
  };
}

interface Rig {
  transport: MockTransport;
  clock: ManualClock;
  cp: OsdpControlPanel;
  bus: SimulatedOsdpBus;
  credentials: CredentialPresented[];
  statuses: DeviceStatus[];
  logs: Record<string, unknown>[];
  run(ms: number): Promise<void>;
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.cp.stop();
});

async function rig(readers: OsdpReaderConfig[], pds: SimulatedPdOptions[], noise = 0, timing: Partial<OsdpTiming> = {}): Promise<Rig> {
  const clock = new ManualClock();
  const transport = new MockTransport('osdp');
  const bus = new SimulatedOsdpBus(noise ? noisy(transport.device, noise) : transport.device, pds.map((o) => new SimulatedPd(o)));
  let counter = 0;
  const { logger, lines: logs } = capturingLogger();
  const cp = new OsdpControlPanel({ transport, clock, logger, readers, timing, random: (n) => Uint8Array.from({ length: n }, () => (counter++ * 37) & 0xff) });
  const credentials: CredentialPresented[] = [];
  const statuses: DeviceStatus[] = [];
  for (const r of cp.readers) {
    r.onCredential((e) => credentials.push(e));
    r.onStatus((s) => statuses.push(s));
  }
  /** Moves fake time in 5 ms steps and lets the in-memory link deliver between steps. */
  const run = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 5) {
      clock.advance(5);
      for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
    }
  };
  await cp.start();
  const r = { transport, clock, cp, bus, credentials, statuses, logs, run };
  rigs.push(r);
  return r;
}

const state = (r: Rig, id: string) => r.cp.reader(id).status();

describe('OSDP control panel against simulated readers (MockTransport, fake time)', () => {
  it('discovers two readers on one bus and polls both', async () => {
    const r = await rig([{ id: 'in', address: 1 }, { id: 'out', address: 2 }], [{ address: 1, serial: 111 }, { address: 2, serial: 222 }]);
    await r.run(300);
    expect(state(r, 'in')).toMatchObject({ state: 'online', detail: { address: 1, serial: 111, secureChannel: false } });
    expect(state(r, 'out')).toMatchObject({ state: 'online', detail: { address: 2, serial: 222 } });
    expect(r.bus.reader(1).commandLog.slice(0, 3)).toEqual(['id', 'cap', 'poll']);
    expect(r.bus.reader(2).commandLog.filter((c) => c === 'poll').length).toBeGreaterThan(1);
  });

  it('installs a key with SCBK-D, re-establishes with it, and reads cards and PINs over the secure channel', async () => {
    const r = await rig([{ id: 'in', address: 1, installKey: KEY_A }, { id: 'out', address: 2, scbk: KEY_B }], [{ address: 1 }, { address: 2, scbk: KEY_B }]);
    const installed: string[] = [];
    r.cp.onKeyInstalled((id, key) => installed.push(`${id}:${toHex(key)}`));
    await r.run(500);
    expect(installed).toEqual([`in:${toHex(KEY_A)}`]);
    expect(r.bus.reader(1).currentScbk && toHex(r.bus.reader(1).currentScbk!)).toBe(toHex(KEY_A));
    expect(r.bus.reader(1).commandLog).toContain('keyset');
    for (const id of ['in', 'out']) expect(state(r, id)).toMatchObject({ state: 'online', detail: { secureChannel: true } });
    expect(r.bus.reader(1).secureChannelActive && r.bus.reader(2).secureChannelActive).toBe(true);

    r.bus.reader(1).presentCard(12, 3456);
    r.bus.reader(2).typePin('12');
    r.bus.reader(2).typePin('34#');
    await r.run(200);
    expect(r.credentials.map((c) => [c.readerId, c.credential])).toEqual([
      ['in', { kind: 'badge', number: '789888', raw: '26:0606c040', format: 'wiegand26' }],
      ['out', { kind: 'pin', pin: '1234' }],
    ]);
  });

  it('drives LED, buzzer and text for each feedback signal', async () => {
    const r = await rig([{ id: 'in', address: 1, scbk: KEY_A }], [{ address: 1, scbk: KEY_A }]);
    await r.run(300);
    const done = r.cp.reader('in').feedback({ kind: 'granted', text: 'Welcome Ana' });
    await r.run(100);
    await done;
    const pd = r.bus.reader(1);
    expect(pd.leds.get(0)?.temporary).toMatchObject({ onColour: 2, timer: 30 });
    expect(pd.buzzerLog.at(-1)).toMatchObject({ tone: 2, count: 1 });
    expect(pd.textLog.at(-1)).toBe('Welcome Ana');
    await r.cp.reader('in').feedback({ kind: 'denied' }).then(() => undefined, () => undefined);
    await r.run(100);
    expect(pd.leds.get(0)?.temporary).toMatchObject({ onColour: 1, offColour: 0 });
    expect(pd.buzzerLog.at(-1)).toMatchObject({ count: 3 });
    const idle = r.cp.reader('in').feedback({ kind: 'idle' });
    await r.run(100);
    await idle;
    expect(pd.leds.get(0)).toEqual({ permanentColour: 1 });
  });

  it('marks a silent reader offline after repeated failures, keeps the other one online, and recovers it', async () => {
    const r = await rig([{ id: 'in', address: 1, scbk: KEY_A }, { id: 'out', address: 2 }], [{ address: 1, scbk: KEY_A }, { address: 2 }]);
    await r.run(300);
    r.bus.reader(1).goSilent(true);
    await r.run(2500);
    expect(state(r, 'in')).toMatchObject({ state: 'offline', lastError: { code: 'OSDP_NO_REPLY' }, detail: { secureChannel: false } });
    expect(state(r, 'out').state).toBe('online');
    expect(r.statuses.some((s) => s.deviceId === 'in' && s.state === 'degraded')).toBe(true);
    r.bus.reader(1).goSilent(false);
    await r.run(1500);
    expect(state(r, 'in')).toMatchObject({ state: 'online', detail: { secureChannel: true } });
    r.bus.reader(1).presentCard(1, 2);
    await r.run(200);
    expect(r.credentials.map((c) => c.credential)).toContainEqual({ kind: 'badge', number: '65538', raw: expect.any(String), format: 'wiegand26' });
  });

  it('retries corrupted and BUSY replies with the same sequence without losing the card', async () => {
    const r = await rig([{ id: 'in', address: 1, scbk: KEY_A }], [{ address: 1, scbk: KEY_A }]);
    await r.run(300);
    const pd = r.bus.reader(1);
    pd.presentCard(5, 6);
    pd.corruptNextReplies(2);
    await r.run(200);
    pd.answerBusy(2);
    pd.presentCard(7, 8);
    await r.run(300);
    expect(r.credentials.map((c) => c.credential.kind === 'badge' && c.credential.number)).toEqual([String(5 * 65536 + 6), String(7 * 65536 + 8)]);
    expect(state(r, 'in')).toMatchObject({ state: 'online', detail: { secureChannel: true } });
  });

  it('re-establishes the secure channel after the reader drops it', async () => {
    const r = await rig([{ id: 'in', address: 1, scbk: KEY_A }], [{ address: 1, scbk: KEY_A }]);
    await r.run(300);
    r.bus.reader(1).dropSecureChannel();
    await r.run(100);
    expect(r.statuses.some((s) => s.lastError?.code === 'OSDP_NAK_6')).toBe(true);
    await r.run(300);
    expect(state(r, 'in')).toMatchObject({ state: 'online', detail: { secureChannel: true } });
    expect(r.bus.reader(1).secureChannelActive).toBe(true);
  });

  it('reports a reader holding another key as key-mismatch (degraded) with OSDP_SC_KEY_MISMATCH', async () => {
    const r = await rig([{ id: 'in', address: 1, scbk: KEY_B }], [{ address: 1, scbk: KEY_A }]);
    await r.run(400);
    expect(state(r, 'in')).toMatchObject({ state: 'degraded', lastError: { code: 'OSDP_SC_KEY_MISMATCH', message: expect.stringMatching(/its own key \(SCBK\), which is not the configured key/) }, detail: { condition: 'key-mismatch', secureChannel: false } });
  });

  it('rejects a Wiegand read with bad parity as an error, not a credential', async () => {
    const r = await rig([{ id: 'in', address: 1 }], [{ address: 1 }]);
    await r.run(300);
    const w = encodeWiegand('wiegand26', 12, 3456);
    w.data[0] = (w.data[0] as number) ^ 0x02;
    r.bus.reader(1).presentRaw(w.data, 26);
    await r.run(100);
    expect(r.credentials).toEqual([]);
    expect(state(r, 'in').lastError?.code).toBe('WIEGAND_BAD_LEADING_PARITY');
  });

  it('keeps working through line noise (1% of bytes corrupted both ways)', async () => {
    const r = await rig([{ id: 'in', address: 1, scbk: KEY_A }, { id: 'out', address: 2, scbk: KEY_B }], [{ address: 1, scbk: KEY_A }, { address: 2, scbk: KEY_B }], 0.01);
    await r.run(1500);
    for (let i = 0; i < 10; i++) {
      r.bus.reader(1 + (i % 2)).presentCard(1, i);
      await r.run(150);
    }
    await r.run(1000);
    expect(r.credentials.map((c) => (c.credential.kind === 'badge' ? c.credential.number : '')).sort()).toEqual(Array.from({ length: 10 }, (_, i) => String(65536 + i)).sort());
    for (const id of ['in', 'out']) expect(state(r, id).detail).toMatchObject({ secureChannel: true });
    // A corrupted reply is retried with the same bytes: logged, not a status change while the reader stays online.
    expect(r.logs.some((l) => l.code === 'OSDP_BAD_CRC')).toBe(true);
    expect(r.bus.framingErrors.size).toBeGreaterThan(0);
  });

  it('marks every reader offline when the bus link is lost, reopens it and recovers them', async () => {
    const r = await rig([{ id: 'in', address: 1, scbk: KEY_A }, { id: 'out', address: 2 }], [{ address: 1, scbk: KEY_A }, { address: 2 }]);
    await r.run(300);
    r.transport.loseLink();
    await r.run(20);
    for (const id of ['in', 'out']) expect(state(r, id)).toMatchObject({ state: 'offline', lastError: { code: 'TRANSPORT_LINK_LOST' } });
    await r.run(1500);
    expect(state(r, 'in')).toMatchObject({ state: 'online', detail: { secureChannel: true } });
    expect(state(r, 'out').state).toBe('online');
  });

  it('keeps the bus running until the last of its readers is stopped', async () => {
    const r = await rig([{ id: 'in', address: 1 }, { id: 'out', address: 2 }], [{ address: 1 }, { address: 2 }]);
    await r.cp.reader('in').start();
    await r.cp.reader('out').start();
    await r.cp.reader('in').stop();
    expect(r.transport.isOpen).toBe(true);
    await r.cp.reader('out').stop();
    expect(r.transport.isOpen).toBe(false);
  });

  it('challenges again with the install key when a reader refuses SCBK-D (NAK 6) and holds it (box restarted before storing it)', async () => {
    const r = await rig([{ id: 'in', address: 1, installKey: KEY_A }], [{ address: 1, scbk: KEY_A, behaviour: { scbkdRequest: 'nak' } }]);
    const installed: string[] = [];
    r.cp.onKeyInstalled((id, key) => installed.push(`${id}:${toHex(key)}`));
    await r.run(300);
    expect(state(r, 'in')).toMatchObject({ state: 'online', detail: { secureChannel: true } });
    expect(r.statuses.map((s) => s.state)).not.toContain('degraded');
    expect(r.bus.reader(1).commandLog.filter((c) => c === 'chlng')).toHaveLength(2);
    expect(r.bus.reader(1).commandLog).not.toContain('keyset');
    expect(installed).toEqual([`in:${toHex(KEY_A)}`]);
  });

  it('reports an open tamper switch as degraded and clears it when closed', async () => {
    const r = await rig([{ id: 'in', address: 1 }], [{ address: 1 }]);
    await r.run(300);
    r.bus.reader(1).setTamper(true);
    await r.run(100);
    expect(state(r, 'in')).toMatchObject({ state: 'degraded', lastError: { code: 'OSDP_TAMPER' }, detail: { tamper: true } });
    r.bus.reader(1).setTamper(false);
    await r.run(100);
    expect(state(r, 'in')).toMatchObject({ state: 'online', detail: { tamper: false } });
  });

  it('refuses a configuration with a duplicate address or a key of the wrong size', () => {
    const base = { transport: new MockTransport('cfg'), clock: new ManualClock(), logger: silentLogger };
    expect(() => new OsdpControlPanel({ ...base, readers: [{ id: 'a', address: 1 }, { id: 'b', address: 1 }] })).toThrow(/used twice/);
    expect(() => new OsdpControlPanel({ ...base, readers: [{ id: 'a', address: 0x7f }] })).toThrow(/invalid/);
    expect(() => new OsdpControlPanel({ ...base, readers: [{ id: 'a', address: 1, scbk: new Uint8Array(8) }] })).toThrow(/16 bytes/);
  });
});
