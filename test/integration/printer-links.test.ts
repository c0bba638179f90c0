import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { SerialTransport } from '../../agent/transport/serial.ts';
import { TcpTransport } from '../../agent/transport/tcp.ts';
import { UsbLpTransport } from '../../agent/transport/usblp.ts';
import type { Transport } from '../../agent/transport/transport.ts';
import { EscposPrinter } from '../../agent/devices/printer/escpos-printer.ts';
import type { PrintJob } from '../../agent/devices/printer-port.ts';
import { listenTcpLink, openSerialLink, type ClosableLink } from '../../firmware-sim/links.ts';
import { EscposPrinterSim } from '../../firmware-sim/printer/printer-sim.ts';
import { renderTicket, ticketQrPayloads } from '../../firmware-sim/printer/ticket.ts';
import { startPtyPair } from '../support/socat.ts';

/** Driver -> real link -> simulator, over each way a printer is wired to the box. */
interface Rig {
  transport: Transport;
  link: ClosableLink;
  stop(): Promise<void>;
}

const LINKS: Record<string, () => Promise<Rig>> = {
  'pty (SerialTransport)': async () => {
    const p = await startPtyPair();
    const link = await openSerialLink(p.b);
    return { transport: new SerialTransport({ path: p.a, baudRate: 115200 }), link, stop: () => link.close().then(() => p.stop()) };
  },
  'pty (UsbLpTransport, as /dev/usb/lp0)': async () => {
    const p = await startPtyPair();
    const link = await openSerialLink(p.b);
    return { transport: new UsbLpTransport(p.a), link, stop: () => link.close().then(() => p.stop()) };
  },
  'TCP 9100 style (TcpTransport)': async () => {
    const link = await listenTcpLink(0);
    return { transport: new TcpTransport('127.0.0.1', link.port), link, stop: () => link.close() };
  },
};

const dayPass = (n: number): PrintJob => ({ kind: 'day-pass', jobId: `DP-${n}`, clubName: 'Piscine Élan', holder: `Zoé Müller ${n}`, validUntil: Date.UTC(2026, 6, 14, 20, 30), qrPayload: `RESA1.DP-${n}.c2lnbmVk` });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(kind: string) {
  const r = await (LINKS[kind] as () => Promise<Rig>)();
  cleanups.push(() => r.stop());
  const sim = new EscposPrinterSim(r.link);
  const printer = new EscposPrinter({ id: 'printer-1', transport: r.transport, clock: systemClock, logger: silentLogger, pollMs: 100, replyTimeoutMs: 1000, confirmTimeoutMs: 5000, reconnectMs: 200 });
  cleanups.push(() => printer.stop());
  await printer.start();
  await vi.waitFor(() => expect(printer.status().state).toBe('online'), { timeout: 5000, interval: 10 });
  return { sim, printer };
}

describe.each(Object.keys(LINKS))('printer over %s', (kind) => {
  it('prints a day-pass ticket: rendered text, styles and QR payload', async () => {
    const { sim, printer } = await rig(kind);
    await printer.enqueue(dayPass(1));
    await vi.waitFor(() => expect(printer.jobState('DP-1')).toBe('printed'), { timeout: 10_000, interval: 10 });
    expect(sim.tickets).toHaveLength(1);
    expect(renderTicket(sim.tickets[0]!)).toEqual([
      '[center bold 2x2] Piscine Élan',
      '[center bold] ENTRÉE 1 JOUR',
      '[center] Zoé Müller 1',
      "[center] Valable jusqu'au 14/07/2026 22:30",
      '',
      '[qr M 6] RESA1.DP-1.c2lnbmVk',
      '[center] Présentez ce code au lecteur',
      '',
      '[center] DP-1',
    ]);
    expect(sim.tickets[0]!.end).toBe('partial-cut');
    expect(sim.decodeErrors).toEqual([]);
  });

  it('paper end stops the queue; a new roll resumes it without losing or doubling a ticket', async () => {
    const { sim, printer } = await rig(kind);
    sim.paperEndAfterLines(12);
    for (const n of [1, 2, 3, 4]) await printer.enqueue(dayPass(n));
    await vi.waitFor(() => expect(printer.jobState('DP-2')).toBe('waiting-paper'), { timeout: 10_000, interval: 10 });
    // Several polls later the queue is still stopped.
    await new Promise((r) => setTimeout(r, 500));
    expect([1, 2, 3, 4].map((n) => printer.jobState(`DP-${n}`))).toEqual(['printed', 'waiting-paper', 'queued', 'queued']);
    expect(printer.status()).toMatchObject({ state: 'offline', lastError: { code: 'PRINTER_PAPER_END' }, detail: { paper: 'end', queued: 3 } });
    sim.newRoll();
    await vi.waitFor(() => expect(printer.jobState('DP-4')).toBe('printed'), { timeout: 10_000, interval: 10 });
    expect(printer.status().state).toBe('online');
    const whole = sim.tickets.filter((t) => t.end === 'partial-cut').map((t) => ticketQrPayloads(t)[0]);
    expect(whole).toEqual(['RESA1.DP-1.c2lnbmVk', 'RESA1.DP-2.c2lnbmVk', 'RESA1.DP-3.c2lnbmVk', 'RESA1.DP-4.c2lnbmVk']);
    expect(sim.tickets.filter((t) => t.end === 'interrupted')).toHaveLength(1);
  });
});
