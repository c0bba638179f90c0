import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { OsdpControlPanel } from '../../agent/devices/osdp/control-panel.ts';
import { SerialTransport } from '../../agent/transport/serial.ts';
import { SimulatedOsdpBus } from '../../firmware-sim/osdp/bus.ts';
import { SimulatedPd } from '../../firmware-sim/osdp/pd.ts';
import { openSerialLink, type ClosableLink } from '../../firmware-sim/links.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { encodeWiegand } from '../../protocol/access/wiegand.ts';
import { concatBytes, fromHex } from '../../protocol/core/index.ts';
import { decodePacket, deriveSessionKeys, encodePacket, encodeReply, SecureSession } from '../../protocol/osdp/index.ts';
import { startPtyPair, type PtyPair } from '../support/socat.ts';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

describe('OSDP benchmarks', () => {
  it('decoder throughput: frames decoded per second', () => {
    const w = encodeWiegand('wiegand26', 12, 3456);
    const keys = deriveSessionKeys(fromHex('000102030405060708090a0b0c0d0e0f'), fromHex('b0b1b2b3b4b5b6b7'));
    const pd = new SecureSession(keys, new Uint8Array(16), 'pd');
    const mix = [
      encodePacket({ address: 1, reply: false, sequence: 1, useCrc: true, code: 0x60, data: new Uint8Array(0) }, { mark: true }),
      encodePacket({ address: 1, reply: true, sequence: 1, useCrc: true, ...encodeReply({ kind: 'raw', reader: 0, format: 1, ...w }) }, { mark: true }),
      pd.seal({ address: 2, sequence: 2, ...encodeReply({ kind: 'keypad', reader: 0, keys: '1234#' }) }),
      encodePacket({ address: 3, reply: true, sequence: 3, useCrc: false, code: 0x40, data: new Uint8Array(0) }),
    ];
    const stream = concatBytes(...Array.from({ length: 25_000 }, (_, i) => mix[i % mix.length] as Uint8Array));
    let frames = 0;
    const t0 = performance.now();
    let buf = stream;
    for (;;) {
      const step = decodePacket(buf);
      if (step.kind === 'need-more') break;
      if (step.kind === 'frame') {
        frames++;
        buf = buf.subarray(step.consumed);
      } else buf = buf.subarray(step.skip);
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(`OSDP decode: ${frames} frames (${stream.length} bytes) in ${(seconds * 1000).toFixed(1)} ms = ${Math.round(frames / seconds).toLocaleString('en')} frames/s, ${(stream.length / seconds / 1e6).toFixed(1)} MB/s`);
    expect(frames).toBe(25_000);
  });

  it('secure channel throughput: sealed (encrypted + MAC) commands opened per second', () => {
    const keys = deriveSessionKeys(fromHex('000102030405060708090a0b0c0d0e0f'), fromHex('b0b1b2b3b4b5b6b7'));
    const cp = new SecureSession(keys, new Uint8Array(16), 'cp');
    const pd = new SecureSession(keys, new Uint8Array(16), 'pd');
    const led = fromHex('0000020505020014000100000000');
    const n = 5000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const step = decodePacket(cp.seal({ address: 1, sequence: (i % 3) + 1, code: 0x69, data: led }));
      if (step.kind !== 'frame' || !pd.open(step.frame).ok) throw new Error('secure round trip failed');
      const back = decodePacket(pd.seal({ address: 1, sequence: (i % 3) + 1, code: 0x40, data: new Uint8Array(0) }));
      if (back.kind !== 'frame' || !cp.open(back.frame).ok) throw new Error('secure reply failed');
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(`OSDP secure channel: ${n} LED commands + ACK replies sealed, decoded and opened in ${(seconds * 1000).toFixed(1)} ms = ${Math.round(n / seconds).toLocaleString('en')} exchanges/s`);
    expect(n).toBe(5000);
  });

  describe('over a pty pair', () => {
    let pty: PtyPair | undefined;
    let link: ClosableLink | undefined;
    let cp: OsdpControlPanel | undefined;
    let bus: SimulatedOsdpBus | undefined;

    afterAll(async () => {
      await cp?.stop();
      bus?.detach();
      await link?.close();
      await pty?.stop();
    });

    it('reader-frame-to-credential-event latency (secure channel on, two readers on the bus)', async () => {
      pty = await startPtyPair();
      const raw = await openSerialLink(pty.b, 115200);
      link = raw;
      let lastWriteAt = 0;
      const timed = { write: (d: Uint8Array) => ((lastWriteAt = performance.now()), raw.write(d)), onData: raw.onData };
      const key = fromHex('00112233445566778899aabbccddeeff');
      bus = new SimulatedOsdpBus(timed, [new SimulatedPd({ address: 1, scbk: key }), new SimulatedPd({ address: 2, scbk: key })]);
      cp = new OsdpControlPanel({
        transport: new SerialTransport({ path: pty.a, baudRate: 115200 }),
        clock: systemClock,
        logger: silentLogger,
        readers: [{ id: 'a', address: 1, scbk: key }, { id: 'b', address: 2, scbk: key }],
      });
      const wire: number[] = [];
      const endToEnd: number[] = [];
      let presentedAt = 0;
      let resolveNext: (() => void) | undefined;
      for (const r of cp.readers) {
        r.onCredential(() => {
          const now = performance.now();
          wire.push(now - lastWriteAt);
          endToEnd.push(now - presentedAt);
          resolveNext?.();
        });
      }
      await cp.start();
      const deadline = Date.now() + 10_000;
      while (!cp.readers.every((r) => r.status().state === 'online' && r.status().detail?.secureChannel)) {
        if (Date.now() > deadline) throw new Error('readers did not come online');
        await new Promise((r) => setTimeout(r, 20));
      }
      const reads = 300;
      for (let i = 0; i < reads; i++) {
        const got = new Promise<void>((resolve) => (resolveNext = resolve));
        presentedAt = performance.now();
        bus.reader(1 + (i % 2)).presentCard(1, i);
        await got;
      }
      const w = [...wire].sort((a, b) => a - b);
      const e = [...endToEnd].sort((a, b) => a - b);
      console.log(`OSDP over pty, ${reads} card reads: RAW reply written -> credential event p50 ${percentile(w, 50).toFixed(2)} ms, p99 ${percentile(w, 99).toFixed(2)} ms, max ${(w.at(-1) ?? 0).toFixed(2)} ms`);
      console.log(`OSDP over pty, ${reads} card reads: card presented -> credential event (includes waiting for the next 50 ms poll) p50 ${percentile(e, 50).toFixed(2)} ms, p99 ${percentile(e, 99).toFixed(2)} ms`);
      expect(wire.length).toBe(reads);
    });
  });
});
