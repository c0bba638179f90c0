import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { SerialTransport } from '../../agent/transport/serial.ts';
import { UsbLpTransport } from '../../agent/transport/usblp.ts';
import type { Transport } from '../../agent/transport/transport.ts';
import { EscposPrinter } from '../../agent/devices/printer/escpos-printer.ts';
import { StatusChannel } from '../../agent/devices/printer/status-channel.ts';
import { openSerialLink } from '../../firmware-sim/links.ts';
import { EscposPrinterSim } from '../../firmware-sim/printer/printer-sim.ts';
import { startPtyPair } from '../support/socat.ts';

/**
 * Printer figures over a socat pty pair (no baud timing: these are software latencies,
 * a real 9600/115200 baud line adds its transfer time). Printed, never asserted.
 */
const JOBS = 200;
const WARMUP = 5;
const POLLS = 1000;

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function report(name: string, samples: number[]): void {
  const s = [...samples].sort((a, b) => a - b);
  console.log(`${name}: n=${s.length} p50=${percentile(s, 50).toFixed(3)} ms p99=${percentile(s, 99).toFixed(3)} ms max=${(s[s.length - 1] as number).toFixed(3)} ms`);
}

async function ptyRig(makeTransport: (path: string) => Transport) {
  const p = await startPtyPair();
  const link = await openSerialLink(p.b);
  cleanups.push(() => link.close().then(() => p.stop()));
  const sim = new EscposPrinterSim(link);
  return { transport: makeTransport(p.a), link, sim };
}

const TRANSPORTS: Record<string, (path: string) => Transport> = {
  SerialTransport: (path) => new SerialTransport({ path, baudRate: 115200 }),
  UsbLpTransport: (path) => new UsbLpTransport(path),
};

describe.each(Object.keys(TRANSPORTS))('printer benchmark over a pty, %s', (name) => {
  it('status-poll round trip (DLE EOT 4, and a full DLE EOT 1+2+4 poll)', async () => {
    const { transport } = await ptyRig(TRANSPORTS[name] as (p: string) => Transport);
    await transport.open();
    cleanups.push(() => transport.close());
    const channel = new StatusChannel(transport, systemClock);
    transport.on('data', (c) => channel.receive(c));
    const single: number[] = [];
    const full: number[] = [];
    for (let i = 0; i < POLLS; i++) {
      const t0 = performance.now();
      const r = await channel.requestRealtime('paper', 1000);
      single.push(performance.now() - t0);
      expect(r?.kind).toBe('paper');
    }
    for (let i = 0; i < POLLS / 4; i++) {
      const t0 = performance.now();
      await channel.requestRealtime('printer', 1000);
      await channel.requestRealtime('offline-cause', 1000);
      const r = await channel.requestRealtime('paper', 1000);
      full.push(performance.now() - t0);
      expect(r?.kind).toBe('paper');
    }
    report(`[${name}] DLE EOT 4 round trip`, single);
    report(`[${name}] full status poll (DLE EOT 1, 2, 4)`, full);
  });

  it('job-to-first-byte latency and job-to-confirmed time (day pass with QR)', async () => {
    const { transport, link, sim } = await ptyRig(TRANSPORTS[name] as (p: string) => Transport);
    const printer = new EscposPrinter({ id: 'bench', transport, clock: systemClock, logger: silentLogger, pollMs: 1000, replyTimeoutMs: 1000, confirmTimeoutMs: 5000 });
    cleanups.push(() => printer.stop());
    await printer.start();
    while (printer.status().state !== 'online') await new Promise((r) => setTimeout(r, 5));
    let t0 = 0;
    let firstByte: number | undefined;
    // The job's first byte is ESC (1B, of ESC @); status requests are DLE EOT (10 04 n) only.
    link.onData((chunk) => {
      if (firstByte === undefined && t0 > 0 && chunk.includes(0x1b)) firstByte = performance.now() - t0;
    });
    const toFirstByte: number[] = [];
    const toPrinted: number[] = [];
    // The first jobs warm up the JIT and Intl formatters; they are printed, not measured.
    for (let i = -WARMUP; i < JOBS; i++) {
      const jobId = `B-${i}`;
      const done = new Promise<void>((resolve) => {
        const off = printer.onJob((id, state) => {
          if (id === jobId && state === 'printed') {
            off();
            resolve();
          }
        });
      });
      firstByte = undefined;
      t0 = performance.now();
      await printer.enqueue({ kind: 'day-pass', jobId, clubName: 'Bench Club', holder: 'Jean Dupont', validUntil: Date.UTC(2026, 0, 5, 22), qrPayload: `RESA1.${jobId}.sig` });
      await done;
      expect(firstByte).toBeDefined();
      if (i < 0) continue;
      toPrinted.push(performance.now() - t0);
      toFirstByte.push(Number(firstByte));
    }
    expect(sim.tickets.filter((t) => t.end === 'partial-cut')).toHaveLength(WARMUP + JOBS);
    report(`[${name}] enqueue -> first job byte at the printer`, toFirstByte);
    report(`[${name}] enqueue -> printed (GS r confirmation back)`, toPrinted);
  });
});
