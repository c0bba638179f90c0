import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Em4100Reader } from '../../agent/devices/em4100/em4100-reader.ts';
import { HidWedgeReader } from '../../agent/devices/hid-wedge/hid-wedge-reader.ts';
import type { CredentialPresented } from '../../agent/devices/reader.ts';
import { FrameStream } from '../../agent/devices/shared/frame-stream.ts';
import { HidTransport } from '../../agent/transport/hid.ts';
import { SerialTransport } from '../../agent/transport/serial.ts';
import { FakeHidDevice } from '../../firmware-sim/hid-scanner/fake-hid-device.ts';
import { HidScannerSim } from '../../firmware-sim/hid-scanner/hid-scanner-sim.ts';
import { openSerialLink, type ClosableLink } from '../../firmware-sim/links.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { concatBytes } from '../../protocol/core/bytes.ts';
import { decodeEm4100Frame } from '../../protocol/em4100/frame.ts';
import { encodeEm4100Frame } from '../../protocol/em4100/frame.ts';
import { decodeKeyboardReport } from '../../protocol/hid/report.ts';
import { reportsForTypedText } from '../../protocol/hid/type-text.ts';
import { KeystrokeLineAssembler } from '../../protocol/hid/typing.ts';
import { startPtyPair, type PtyPair } from '../support/socat.ts';

// Benchmarks print figures and assert only correctness (counts), never timings.

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function latencyLine(label: string, samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  return `${label}: n=${s.length} p50=${percentile(s, 50).toFixed(3)} ms p99=${percentile(s, 99).toFixed(3)} ms max=${(s.at(-1) ?? NaN).toFixed(3)} ms`;
}

async function waitFor(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('benchmark timed out');
    await new Promise((r) => setImmediate(r));
  }
}

describe('reader codecs (pure, in memory)', () => {
  it('EM4100 frames decoded per second', () => {
    const frames = Array.from({ length: 100_000 }, (_, i) => encodeEm4100Frame({ version: 1, tag: i }));
    const stream = concatBytes(...frames);
    const decoder = new FrameStream(decodeEm4100Frame);
    const start = performance.now();
    let decoded = 0;
    for (let i = 0; i < stream.length; i += 64) decoded += decoder.push(stream.subarray(i, i + 64)).length;
    const ms = performance.now() - start;
    expect(decoded).toBe(frames.length);
    console.log(`EM4100 codec: ${decoded} frames in ${ms.toFixed(1)} ms = ${Math.round((decoded / ms) * 1000)} frames/s (64-byte chunks)`);
  });

  it('HID keyboard reports decoded and typed per second', () => {
    const lines = Array.from({ length: 5_000 }, (_, i) => String(1_000_000_000 + i));
    const reports = lines.flatMap((l) => reportsForTypedText(l) ?? []);
    const decoder = new FrameStream(decodeKeyboardReport);
    const typist = new KeystrokeLineAssembler();
    const start = performance.now();
    let typed = 0;
    for (const r of reports) for (const out of decoder.push(r)) if (out.kind === 'frame') typed += typist.push(out.frame).length;
    const ms = performance.now() - start;
    expect(typed).toBe(lines.length);
    console.log(`HID codec: ${reports.length} reports (${typed} lines) in ${ms.toFixed(1)} ms = ${Math.round((reports.length / ms) * 1000)} reports/s`);
  });
});

describe('EM4100 reader driver over a socat pty', () => {
  let pair: PtyPair;
  let link: ClosableLink;
  let reader: Em4100Reader;
  const events: CredentialPresented[] = [];
  /** performance.now() inside the credential listener, i.e. when the lane would hear of it. */
  const heardAt: number[] = [];

  beforeAll(async () => {
    pair = await startPtyPair();
    link = await openSerialLink(pair.b, 9600);
    // Every frame carries a new tag, so every frame is a new presentation and yields an event.
    reader = new Em4100Reader({ id: 'bench', transport: new SerialTransport({ path: pair.a, baudRate: 9600 }), clock: systemClock, logger: silentLogger });
    reader.onCredential((e) => {
      events.push(e);
      heardAt.push(performance.now());
    });
    await reader.start();
  });
  afterAll(async () => {
    await reader.stop();
    await link.close();
    await pair.stop();
  });

  it('frames per second through pty, SerialTransport, decoder and debounce', async () => {
    const n = 20_000;
    events.length = 0;
    const start = performance.now();
    for (let i = 0; i < n; i += 500) link.write(concatBytes(...Array.from({ length: Math.min(500, n - i) }, (_, k) => encodeEm4100Frame({ version: 2, tag: i + k }))));
    await waitFor(() => events.length >= n);
    const ms = performance.now() - start;
    expect(events.length).toBe(n);
    console.log(`EM4100 over pty: ${n} frames -> ${events.length} credential events in ${ms.toFixed(0)} ms = ${Math.round((n / ms) * 1000)} frames/s (no baud timing on a pty; a real module sends ~15 frames/s)`);
  });

  it('latency from the frame written at the device end to the credential event', async () => {
    const wire: number[] = [];
    const inAgent: number[] = [];
    for (let i = 0; i < 500; i++) {
      events.length = 0;
      heardAt.length = 0;
      const frame = encodeEm4100Frame({ version: 3, tag: 1_000_000 + i });
      const sent = performance.now();
      link.write(frame);
      await waitFor(() => events.length === 1);
      const now = heardAt[0] as number;
      wire.push(now - sent);
      inAgent.push(now - (events[0] as CredentialPresented).at);
    }
    console.log(latencyLine('EM4100 over pty, device write -> credential event', wire));
    console.log(latencyLine('EM4100 over pty, last byte arrival (`at`) -> credential event', inAgent));
  });
});

describe('HID wedge reader driver over HidTransport and a fake HID device', () => {
  let device: FakeHidDevice;
  let reader: HidWedgeReader;
  let scanner: HidScannerSim;
  const events: CredentialPresented[] = [];
  /** performance.now() inside the credential listener, i.e. when the lane would hear of it. */
  const heardAt: number[] = [];

  beforeAll(async () => {
    device = new FakeHidDevice(0x0c2e, 0x0b61);
    reader = new HidWedgeReader({ id: 'bench-hid', transport: new HidTransport({ vendorId: 0x0c2e, productId: 0x0b61 }, () => device.open()), clock: systemClock, logger: silentLogger });
    reader.onCredential((e) => {
      events.push(e);
      heardAt.push(performance.now());
    });
    await reader.start();
    scanner = new HidScannerSim(device, { clock: systemClock });
  });
  afterAll(() => reader.stop());

  it('scans per second (10-digit badge = 24 reports each)', async () => {
    const n = 5_000;
    events.length = 0;
    const start = performance.now();
    for (let i = 0; i < n; i++) scanner.scan(String(2_000_000_000 + i));
    await waitFor(() => events.length >= n);
    const ms = performance.now() - start;
    expect(events.length).toBe(n);
    console.log(`HID over fake device: ${n} scans (${n * 24} reports) in ${ms.toFixed(0)} ms = ${Math.round((n / ms) * 1000)} scans/s, ${Math.round(((n * 24) / ms) * 1000)} reports/s`);
  });

  it('latency from the scan typed at the device to the credential event', async () => {
    const wire: number[] = [];
    const inAgent: number[] = [];
    for (let i = 0; i < 500; i++) {
      events.length = 0;
      heardAt.length = 0;
      const sent = performance.now();
      scanner.scan(String(3_000_000_000 + i));
      await waitFor(() => events.length === 1);
      const now = heardAt[0] as number;
      wire.push(now - sent);
      inAgent.push(now - (events[0] as CredentialPresented).at);
    }
    console.log(latencyLine('HID fake device, scan typed -> credential event', wire));
    console.log(latencyLine('HID fake device, Enter report arrival (`at`) -> credential event', inAgent));
  });
});
