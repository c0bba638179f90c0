import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../platform/clock.ts';
import { toHex } from '../../../protocol/core/index.ts';
import { MockTransport } from '../../transport/mock.ts';
import { StatusChannel } from './status-channel.ts';

const flush = async (clock: ManualClock, ms = 0) => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
  if (ms > 0) clock.advance(ms);
  await new Promise((r) => setTimeout(r, 0));
};

let transport: MockTransport;
afterEach(async () => {
  await transport.close();
});

async function setup() {
  const clock = new ManualClock();
  transport = new MockTransport('printer');
  await transport.open();
  const channel = new StatusChannel(transport, clock);
  transport.on('data', (c) => channel.receive(c));
  return { clock, channel, device: transport.device };
}

describe('StatusChannel', () => {
  it('sends DLE EOT n and resolves with the decoded reply', async () => {
    const { clock, channel, device } = await setup();
    const reply = channel.requestRealtime('paper', 100);
    await flush(clock);
    expect(toHex(device.lastWrite ?? new Uint8Array(0))).toBe('100404');
    device.write(Uint8Array.of(0x1e));
    expect(await reply).toEqual({ kind: 'paper', raw: 0x1e, status: { nearEnd: true, end: false } });
  });

  it('keeps one real-time request outstanding at a time', async () => {
    const { clock, channel, device } = await setup();
    const a = channel.requestRealtime('printer', 100);
    const b = channel.requestRealtime('offline-cause', 100);
    await flush(clock);
    expect(device.recording.map((c) => toHex(c))).toEqual(['100401']);
    device.write(Uint8Array.of(0x12));
    await flush(clock);
    expect(device.recording.map((c) => toHex(c))).toEqual(['100401', '100402']);
    device.write(Uint8Array.of(0x16));
    expect((await a)?.kind).toBe('printer');
    expect(await b).toMatchObject({ kind: 'offline-cause', status: { coverOpen: true } });
  });

  it('resolves undefined on timeout; a late reply is then counted as unsolicited, not given to the next request', async () => {
    const { clock, channel, device } = await setup();
    const a = channel.requestRealtime('printer', 100);
    await flush(clock, 100);
    expect(await a).toBeUndefined();
    device.write(Uint8Array.of(0x12));
    await flush(clock);
    expect(channel.garbage).toEqual(['ESCPOS_STATUS_UNSOLICITED']);
    const b = channel.requestRealtime('paper', 100);
    await flush(clock);
    device.write(Uint8Array.of(0x72));
    expect(await b).toMatchObject({ kind: 'paper', status: { end: true } });
  });

  it('keeps a GS r reply that arrives before anyone waits, until cleared', async () => {
    const { clock, channel, device } = await setup();
    device.write(Uint8Array.of(0x00));
    await flush(clock);
    expect(await channel.nextPaperSensor(100)).toMatchObject({ kind: 'paper-sensor', status: { end: false } });
    device.write(Uint8Array.of(0x00));
    await flush(clock);
    channel.clearPaperInbox();
    const w = channel.nextPaperSensor(100);
    await flush(clock, 100);
    expect(await w).toBeUndefined();
  });

  it('tells a GS r reply from a DLE EOT reply arriving together', async () => {
    const { clock, channel, device } = await setup();
    const rt = channel.requestRealtime('paper', 100);
    const gsr = channel.nextPaperSensor(100);
    await flush(clock);
    device.write(Uint8Array.of(0x00, 0x12));
    expect(await gsr).toMatchObject({ kind: 'paper-sensor' });
    expect(await rt).toMatchObject({ kind: 'paper', raw: 0x12 });
  });

  it('passes automatic status back to its listeners, even split byte by byte', async () => {
    const { clock, channel, device } = await setup();
    const seen: boolean[] = [];
    channel.onAsb((r) => seen.push(r.status.paperEnd));
    for (const b of [0x18, 0x00, 0x0c, 0x00]) device.write(Uint8Array.of(b));
    await flush(clock);
    expect(seen).toEqual([true]);
  });

  it('failAll answers every waiter at once', async () => {
    const { clock, channel } = await setup();
    const a = channel.requestRealtime('printer', 10_000);
    const w = channel.nextPaperSensor(10_000);
    await flush(clock);
    channel.failAll();
    expect(await a).toBeUndefined();
    expect(await w).toBeUndefined();
  });

  it('a request on a closed link resolves undefined without waiting for the timeout', async () => {
    const { channel } = await setup();
    await transport.close();
    expect(await channel.requestRealtime('printer', 10_000)).toBeUndefined();
  });
});
