import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { MockTransport } from '../../agent/transport/mock.ts';
import { EscposPrinter } from '../../agent/devices/printer/escpos-printer.ts';
import type { PrintJob, PrintJobState } from '../../agent/devices/printer-port.ts';
import { EscposPrinterSim } from '../../firmware-sim/printer/printer-sim.ts';
import { ticketLines, ticketQrPayloads } from '../../firmware-sim/printer/ticket.ts';
import { runFor, runUntil } from '../support/manual-time.ts';

const dayPass = (n: number): Extract<PrintJob, { kind: 'day-pass' }> => ({ kind: 'day-pass', jobId: `DP-${n}`, clubName: 'Piscine Élan', holder: `Client ${n}`, validUntil: Date.UTC(2026, 0, 5, 22, 0), qrPayload: `RESA:DP-${n}` });

function setup() {
  const clock = new ManualClock();
  const transport = new MockTransport('printer');
  const sim = new EscposPrinterSim(transport.device);
  const printer = new EscposPrinter({ id: 'printer-1', transport, clock, logger: silentLogger, pollMs: 200, replyTimeoutMs: 100, confirmTimeoutMs: 2000, reconnectMs: 500 });
  const jobLog: [string, PrintJobState][] = [];
  printer.onJob((id, s) => jobLog.push([id, s]));
  return { clock, transport, sim, printer, jobLog };
}

let current: ReturnType<typeof setup> | undefined;
afterEach(async () => {
  await current?.printer.stop();
  current = undefined;
});

describe('EscposPrinter with the simulator (MockTransport, fake time)', () => {
  it('goes online and prints a day pass whose text and QR payload are as expected', async () => {
    const t = (current = setup());
    await t.printer.start();
    expect(await runUntil(t.clock, () => t.printer.status().state === 'online')).toBe(true);
    await t.printer.enqueue(dayPass(1));
    expect(await runUntil(t.clock, () => t.printer.jobState('DP-1') === 'printed')).toBe(true);
    expect(t.sim.tickets).toHaveLength(1);
    const ticket = t.sim.tickets[0]!;
    expect(ticket.end).toBe('partial-cut');
    expect(ticketLines(ticket)).toEqual(['Piscine Élan', 'ENTRÉE 1 JOUR', 'Client 1', "Valable jusqu'au 05/01/2026 23:00", '', 'Présentez ce code au lecteur', '', 'DP-1']);
    expect(ticketQrPayloads(ticket)).toEqual(['RESA:DP-1']);
    expect(t.jobLog).toEqual([
      ['DP-1', 'queued'],
      ['DP-1', 'printing'],
      ['DP-1', 'printed'],
    ]);
  });

  it('paper end mid-job stops the queue; a new roll resumes it with no ticket lost or doubled', async () => {
    const t = (current = setup());
    await t.printer.start();
    await runUntil(t.clock, () => t.printer.status().state === 'online');
    t.sim.paperEndAfterLines(12);
    for (const n of [1, 2, 3]) await t.printer.enqueue(dayPass(n));
    expect(await runUntil(t.clock, () => t.printer.jobState('DP-2') === 'waiting-paper')).toBe(true);
    await runFor(t.clock, 3000);
    expect(t.printer.jobState('DP-1')).toBe('printed');
    expect(t.printer.jobState('DP-2')).toBe('waiting-paper');
    expect(t.printer.jobState('DP-3')).toBe('queued');
    expect(t.printer.status()).toMatchObject({ state: 'offline', lastError: { code: 'PRINTER_PAPER_END' }, detail: { paper: 'end', queued: 2 } });
    t.sim.newRoll();
    expect(await runUntil(t.clock, () => t.printer.jobState('DP-3') === 'printed')).toBe(true);
    expect(t.printer.status().state).toBe('online');
    const cut = t.sim.tickets.filter((x) => x.end === 'partial-cut');
    expect(cut.map((x) => ticketQrPayloads(x))).toEqual([['RESA:DP-1'], ['RESA:DP-2'], ['RESA:DP-3']]);
    expect(t.sim.tickets.filter((x) => x.end === 'interrupted')).toHaveLength(1);
  });
});
