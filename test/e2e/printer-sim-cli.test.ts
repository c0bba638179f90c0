import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { TcpTransport } from '../../agent/transport/tcp.ts';
import { EscposPrinter } from '../../agent/devices/printer/escpos-printer.ts';

let child: ChildProcess | undefined;
let printer: EscposPrinter | undefined;
afterEach(async () => {
  await printer?.stop();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
});

describe('printer simulator process (firmware-sim/printer/main.ts)', () => {
  it('prints a day pass sent by the driver over TCP, and takes script steps on stdin', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'firmware-sim/printer/main.ts', '--tcp', '0'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await vi.waitFor(() => expect(out).toMatch(/listening on tcp 127\.0\.0\.1:\d+/), { timeout: 20_000, interval: 20 });
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    printer = new EscposPrinter({ id: 'p', transport: new TcpTransport('127.0.0.1', port), clock: systemClock, logger: silentLogger, pollMs: 100 });
    await printer.start();
    await printer.enqueue({ kind: 'day-pass', jobId: 'DP-1', clubName: 'Club', holder: 'Zoé', validUntil: Date.UTC(2026, 0, 5, 22), qrPayload: 'RESA1.DP-1' });
    await vi.waitFor(() => expect(printer?.jobState('DP-1')).toBe('printed'), { timeout: 10_000, interval: 20 });
    await vi.waitFor(() => expect(out).toContain('[qr M 6] RESA1.DP-1'), { timeout: 5000, interval: 20 });
    expect(out).toContain('--- ticket (partial-cut) ---');
    expect(out).toContain('[center] Zoé');
    child.stdin?.write('paper end\n');
    await vi.waitFor(() => expect(printer?.status().lastError?.code).toBe('PRINTER_PAPER_END'), { timeout: 5000, interval: 20 });
  });
});
