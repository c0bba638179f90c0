import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../platform/clock.ts';
import { silentLogger } from '../../../platform/log.ts';
import type { Clock, TimerHandle } from '../../../platform/clock.ts';
import { encodeEm4100Frame } from '../../../protocol/em4100/frame.ts';
import { MockTransport } from '../../transport/mock.ts';
import type { DeviceStatus } from '../device.ts';
import type { CredentialPresented } from '../reader.ts';
import { Em4100Reader } from './em4100-reader.ts';

/**
 * A minimal module on the mock link (agent code may not import firmware-sim; the real simulator
 * drives this driver over a pty in test/integration).
 */
class ScriptedModule {
  framesSent = 0;
  private timer: TimerHandle | undefined;
  private card: { version: number; tag: number } | undefined;
  private silent = false;
  private spoil: { left: number; how: 'checksum' | 'noise' | 'truncate' } = { left: 0, how: 'checksum' };

  constructor(
    private readonly link: { write(data: Uint8Array): void },
    private readonly clock: Clock,
  ) {}

  present(card: { version: number; tag: number }): void {
    this.card = card;
    this.clock.clearInterval(this.timer);
    this.send();
    this.timer = this.clock.setInterval(() => this.send(), 65);
  }

  remove(): void {
    this.clock.clearInterval(this.timer);
    this.card = undefined;
  }

  goSilent(): void {
    this.silent = true;
  }

  corruptNext(left: number, how: 'checksum' | 'noise' | 'truncate'): void {
    this.spoil = { left, how };
  }

  private send(): void {
    if (!this.card || this.silent) return;
    this.framesSent++;
    const frame = encodeEm4100Frame(this.card);
    if (this.spoil.left === 0) return this.link.write(frame);
    this.spoil.left--;
    if (this.spoil.how === 'noise') return this.link.write(Uint8Array.of(0xff, 0x00));
    if (this.spoil.how === 'truncate') return this.link.write(frame.subarray(0, 7));
    frame[12] = frame[12] === 0x30 ? 0x31 : 0x30;
    this.link.write(frame);
  }
}

const CARD = { version: 0x01, tag: 12345678 };
const OTHER = { version: 0x01, tag: 0x0a0b0c0d };

async function setup() {
  const clock = new ManualClock();
  const transport = new MockTransport('em4100');
  const sim = new ScriptedModule(transport.device, clock);
  const reader = new Em4100Reader({ id: 'lane1-in', transport, clock, logger: silentLogger });
  const credentials: CredentialPresented[] = [];
  const statuses: DeviceStatus[] = [];
  reader.onCredential((e) => credentials.push(e));
  reader.onStatus((s) => statuses.push(s));
  await reader.start();
  /** Moves fake time in 5 ms steps and lets the mock link deliver what the simulator sent. */
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 5) {
      clock.advance(5);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  return { clock, transport, sim, reader, credentials, statuses, run };
}

describe('Em4100Reader', () => {
  it('goes online once the transport is open', async () => {
    const { reader, statuses } = await setup();
    expect(reader.status()).toMatchObject({ deviceId: 'lane1-in', kind: 'reader', state: 'online' });
    expect(statuses.map((s) => s.state)).toEqual(['starting', 'online']);
    await reader.stop();
  });

  it('delivers a card held in the field once, with the canonical number and the arrival time', async () => {
    const { sim, reader, credentials, run, clock } = await setup();
    const presentedAt = clock.monotonic();
    sim.present(CARD);
    await run(1000);
    expect(sim.framesSent).toBeGreaterThan(14);
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ readerId: 'lane1-in', credential: { kind: 'badge', number: '12345678', raw: '0100BC614E', format: 'em4100' } });
    // `at` is when the frame's last byte arrived: within the first 5 ms step, not a later repeat.
    expect(credentials[0]?.at).toBeGreaterThanOrEqual(presentedAt);
    expect(credentials[0]?.at).toBeLessThanOrEqual(presentedAt + 5);
    await reader.stop();
  });

  it('says when a frame has started arriving (its first bytes, not its end, not a whole frame)', async () => {
    const { transport, reader, credentials, run } = await setup();
    let starts = 0;
    reader.onFrameStart(() => starts++);
    const frame = encodeEm4100Frame(CARD);
    transport.device.write(frame.subarray(0, 5));
    await run(5);
    expect([starts, credentials.length]).toEqual([1, 0]);
    transport.device.write(frame.subarray(5));
    await run(5);
    expect([starts, credentials.length]).toEqual([1, 1]);
    // A frame that arrives whole gives no head start to announce.
    transport.device.write(encodeEm4100Frame(OTHER));
    await run(5);
    expect([starts, credentials.length]).toEqual([1, 2]);
    await reader.stop();
  });

  it('delivers the same card again only after it left the field', async () => {
    const { sim, reader, credentials, run } = await setup();
    sim.present(CARD);
    await run(200);
    sim.remove();
    await run(200); // shorter than the absence window: still the same presentation
    sim.present(CARD);
    await run(200);
    expect(credentials).toHaveLength(1);
    sim.remove();
    await run(400);
    sim.present(CARD);
    await run(100);
    expect(credentials).toHaveLength(2);
    await reader.stop();
  });

  it('delivers a different card at once', async () => {
    const { sim, reader, credentials, run } = await setup();
    sim.present(CARD);
    await run(100);
    sim.present(OTHER);
    await run(100);
    expect(credentials.map((c) => (c.credential.kind === 'badge' ? c.credential.number : ''))).toEqual(['12345678', String(0x0a0b0c0d)]);
    await reader.stop();
  });

  it('turns degraded after three bad frames in a row, and online again at the next good frame', async () => {
    const { sim, reader, credentials, run } = await setup();
    sim.corruptNext(3, 'checksum');
    sim.present(CARD);
    await run(150);
    expect(reader.status().state).toBe('degraded');
    expect(reader.status().lastError?.code).toBe('EM4100_BAD_CHECKSUM');
    await run(100);
    expect(reader.status().state).toBe('online');
    expect(credentials).toHaveLength(1);
    expect(reader.status().detail).toMatchObject({ badFrames: 3 });
    await reader.stop();
  });

  it('survives noise and cut frames and still reads the card', async () => {
    const { sim, reader, credentials, run } = await setup();
    sim.corruptNext(1, 'noise');
    sim.present(CARD);
    await run(70);
    sim.corruptNext(1, 'truncate');
    await run(200);
    expect(credentials).toHaveLength(1);
    expect(reader.status().lastError?.code).toBe('EM4100_TRUNCATED');
    await reader.stop();
  });

  it('stays online while silent: no card is the normal state of a receive-only reader', async () => {
    const { sim, reader, run } = await setup();
    sim.present(CARD);
    sim.goSilent();
    await run(2000);
    expect(reader.status().state).toBe('online');
    await reader.stop();
  });

  it('goes offline on a lost link and reconnects with backoff', async () => {
    const { transport, reader, run, sim, credentials } = await setup();
    transport.faults.failNextOpen = true;
    transport.loseLink();
    await run(5);
    expect(reader.status()).toMatchObject({ state: 'offline', lastError: { code: 'TRANSPORT_LINK_LOST' } });
    await run(250); // first retry: the injected open failure
    expect(reader.status()).toMatchObject({ state: 'offline', lastError: { code: 'TRANSPORT_OPEN_FAILED' } });
    expect(transport.isOpen).toBe(false);
    await run(500); // second retry after a doubled delay
    expect(reader.status().state).toBe('online');
    sim.present(CARD);
    await run(50);
    expect(credentials).toHaveLength(1);
    await reader.stop();
  });

  it('stops: closes the transport, goes offline, and does not reconnect', async () => {
    const { transport, reader, clock, run } = await setup();
    await reader.stop();
    clock.advance(20_000);
    await run(10);
    expect(transport.isOpen).toBe(false);
    expect(reader.status().state).toBe('offline');
  });

  it('answers feedback at once (no LED or buzzer to drive)', async () => {
    const { reader } = await setup();
    await expect(reader.feedback({ kind: 'granted' })).resolves.toBeUndefined();
    await reader.stop();
  });
});
