import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { MockTransport } from '../../agent/transport/mock.ts';
import { EscposPrinter } from '../../agent/devices/printer/escpos-printer.ts';
import { JsonFileJobStore, type JobStore } from '../../agent/devices/printer/job-store.ts';
import type { PrintJob } from '../../agent/devices/printer-port.ts';
import { EscposPrinterSim } from '../../firmware-sim/printer/printer-sim.ts';
import { ticketQrPayloads } from '../../firmware-sim/printer/ticket.ts';
import { runFor, runUntil } from '../support/manual-time.ts';

const dayPass = (n: number): Extract<PrintJob, { kind: 'day-pass' }> => ({ kind: 'day-pass', jobId: `DP-${n}`, clubName: 'Club', holder: `Client ${n}`, validUntil: Date.UTC(2026, 0, 5, 22, 0), qrPayload: `RESA:DP-${n}` });

const stops: (() => Promise<void>)[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(options: { store?: JobStore; clock?: ManualClock; answersPaperSensor?: boolean } = {}) {
  const clock = options.clock ?? new ManualClock();
  const transport = new MockTransport('printer');
  const sim = new EscposPrinterSim(transport.device, { answersPaperSensor: options.answersPaperSensor ?? true });
  const printer = new EscposPrinter({ id: 'p', transport, clock, logger: silentLogger, pollMs: 200, replyTimeoutMs: 100, confirmTimeoutMs: 2000, reconnectMs: 500, ...(options.store ? { store: options.store } : {}) });
  stops.push(() => printer.stop());
  return { clock, transport, sim, printer };
}

const printedPayloads = (sim: EscposPrinterSim) => sim.tickets.filter((t) => t.end !== 'interrupted').flatMap(ticketQrPayloads);

async function online(t: ReturnType<typeof setup>) {
  await t.printer.start();
  expect(await runUntil(t.clock, () => t.printer.status().state === 'online')).toBe(true);
}

describe('EscposPrinter faults (simulator over MockTransport, fake time)', () => {
  it('cover opened mid-job: the job goes back to the queue and prints whole once closed', async () => {
    const t = setup();
    await online(t);
    // Ticket 1 has 9 printed items: the cover opens at the third line of ticket 2.
    t.sim.afterLines(11, () => t.sim.openCover());
    await t.printer.enqueue(dayPass(1));
    await runUntil(t.clock, () => t.printer.jobState('DP-1') === 'printed');
    await t.printer.enqueue(dayPass(2));
    expect(await runUntil(t.clock, () => t.printer.status().lastError?.code === 'PRINTER_COVER_OPEN')).toBe(true);
    await runFor(t.clock, 1000);
    expect(t.printer.jobState('DP-2')).toBe('queued');
    expect(t.printer.status().state).toBe('offline');
    t.sim.closeCover();
    expect(await runUntil(t.clock, () => t.printer.jobState('DP-2') === 'printed')).toBe(true);
    expect(printedPayloads(t.sim)).toEqual(['RESA:DP-1', 'RESA:DP-2']);
  });

  it("answers the doctor's probe now; a silent printer does not, and a paper end is an answer with its code", async () => {
    const t = setup();
    await online(t);
    const probe = async () => {
      let answer: Awaited<ReturnType<typeof t.printer.probe>> | undefined;
      void t.printer.probe().then((a) => (answer = a));
      expect(await runUntil(t.clock, () => answer !== undefined)).toBe(true);
      return answer;
    };
    expect(await probe()).toEqual({ answered: true });
    t.sim.setPaper('end');
    expect(await probe()).toMatchObject({ answered: true, code: 'PRINTER_PAPER_END' });
    t.sim.setPaper('ok');
    t.sim.goSilent(true);
    expect(await probe()).toMatchObject({ answered: false, code: 'PRINTER_NO_REPLY' });
    await t.printer.stop();
    expect(await t.printer.probe()).toMatchObject({ answered: false, code: 'PRINTER_LINK_DOWN' });
  });

  it('a silent printer is reported offline (PRINTER_NO_REPLY); jobs wait and print when it is back', async () => {
    const t = setup();
    await online(t);
    t.sim.goSilent(true);
    await t.printer.enqueue(dayPass(1));
    expect(await runUntil(t.clock, () => t.printer.status().lastError?.code === 'PRINTER_NO_REPLY')).toBe(true);
    expect(t.printer.status().state).toBe('offline');
    expect(t.printer.jobState('DP-1')).toBe('queued');
    t.sim.goSilent(false);
    expect(await runUntil(t.clock, () => t.printer.jobState('DP-1') === 'printed')).toBe(true);
    expect(printedPayloads(t.sim)).toEqual(['RESA:DP-1']);
  });

  it('a lost link is reported (PRINTER_LINK_DOWN) and reopened', async () => {
    const t = setup();
    await online(t);
    t.transport.loseLink();
    expect(t.printer.status()).toMatchObject({ state: 'offline', lastError: { code: 'PRINTER_LINK_DOWN' } });
    await t.printer.enqueue(dayPass(1));
    expect(await runUntil(t.clock, () => t.printer.jobState('DP-1') === 'printed')).toBe(true);
    expect(t.printer.status().state).toBe('online');
  });

  it('an autocutter error is PRINTER_HARDWARE_ERROR; the interrupted job prints once cleared', async () => {
    const t = setup();
    await online(t);
    t.sim.afterLines(3, () => t.sim.setCutterError(true));
    await t.printer.enqueue(dayPass(1));
    expect(await runUntil(t.clock, () => t.printer.status().lastError?.code === 'PRINTER_HARDWARE_ERROR')).toBe(true);
    await runFor(t.clock, 1000);
    expect(t.printer.jobState('DP-1')).toBe('queued');
    expect(t.printer.status().detail).toMatchObject({ condition: 'hardware-error' });
    t.sim.setCutterError(false);
    expect(await runUntil(t.clock, () => t.printer.jobState('DP-1') === 'printed')).toBe(true);
    expect(printedPayloads(t.sim)).toEqual(['RESA:DP-1']);
  });

  it('a printer that ignores GS r: a job it printed while healthy counts as printed (PRINTER_UNCONFIRMED), never twice', async () => {
    const t = setup({ answersPaperSensor: false });
    await online(t);
    await t.printer.enqueue(dayPass(1));
    await t.printer.enqueue(dayPass(2));
    expect(await runUntil(t.clock, () => t.printer.jobState('DP-2') === 'printed')).toBe(true);
    expect(t.printer.status().lastError?.code).toBe('PRINTER_UNCONFIRMED');
    await runFor(t.clock, 3000);
    expect(printedPayloads(t.sim)).toEqual(['RESA:DP-1', 'RESA:DP-2']);
  });

  it('a failed write puts the job back in the queue; it prints on the next round', async () => {
    const t = setup();
    await online(t);
    const states: string[] = [];
    t.printer.onJob((_id, state) => {
      states.push(state);
      // The job's own write is the next one after it turns "printing".
      if (state === 'printing' && states.length === 2) t.transport.faults.failNextWrite = true;
    });
    await t.printer.enqueue(dayPass(1));
    expect(await runUntil(t.clock, () => t.printer.jobState('DP-1') === 'printed')).toBe(true);
    expect(states).toEqual(['queued', 'printing', 'queued', 'printing', 'printed']);
    expect(printedPayloads(t.sim)).toEqual(['RESA:DP-1']);
  });

  it('a queue that cannot be saved refuses the job with PRINTER_STORE_FAILED', async () => {
    const store: JobStore = {
      load: () => ({ pending: [], finished: [] }),
      save: () => {
        throw new Error('disk full');
      },
    };
    const t = setup({ store });
    await online(t);
    await expect(t.printer.enqueue(dayPass(1))).rejects.toMatchObject({ code: 'PRINTER_STORE_FAILED' });
    expect(t.printer.jobState('DP-1')).toBeUndefined();
  });

  it('a link that cannot be opened is PRINTER_LINK_DOWN and is retried', async () => {
    const t = setup();
    t.transport.faults.failNextOpen = true;
    await t.printer.start();
    expect(t.printer.status()).toMatchObject({ state: 'offline', lastError: { code: 'PRINTER_LINK_DOWN' } });
    expect(await runUntil(t.clock, () => t.printer.status().state === 'online')).toBe(true);
  });

  it('an idle printer reports the cover opened and closed, with no job to print', async () => {
    const t = setup();
    await online(t);
    const states: string[] = [];
    t.printer.onStatus((s) => states.push(`${s.state}:${String(s.detail?.condition)}`));
    t.sim.openCover();
    expect(await runUntil(t.clock, () => t.printer.status().state === 'offline')).toBe(true);
    expect(t.printer.status()).toMatchObject({ lastError: { code: 'PRINTER_COVER_OPEN' }, detail: { coverOpen: true } });
    t.sim.closeCover();
    expect(await runUntil(t.clock, () => t.printer.status().state === 'online')).toBe(true);
    expect(states).toEqual(['offline:cover-open', 'online:online']);
  });

  it('paper near end is degraded but keeps printing', async () => {
    const t = setup();
    await online(t);
    t.sim.setPaper('near-end');
    expect(await runUntil(t.clock, () => t.printer.status().state === 'degraded')).toBe(true);
    expect(t.printer.status().detail).toMatchObject({ paper: 'near-end', condition: 'paper-near-end' });
    await t.printer.enqueue(dayPass(1));
    expect(await runUntil(t.clock, () => t.printer.jobState('DP-1') === 'printed')).toBe(true);
  });

  it('enqueue is idempotent by job id, and refuses an unprintable job with PRINTER_JOB_INVALID', async () => {
    const t = setup();
    await online(t);
    await t.printer.enqueue(dayPass(1));
    await t.printer.enqueue(dayPass(1));
    await runUntil(t.clock, () => t.printer.jobState('DP-1') === 'printed');
    await t.printer.enqueue(dayPass(1));
    await runFor(t.clock, 1000);
    expect(printedPayloads(t.sim)).toEqual(['RESA:DP-1']);
    await expect(t.printer.enqueue({ ...dayPass(9), qrPayload: 'x'.repeat(8000) })).rejects.toMatchObject({ code: 'PRINTER_JOB_INVALID' });
    expect(t.printer.jobState('DP-9')).toBeUndefined();
  });

  it('line noise from the printer does not confuse it', async () => {
    const t = setup();
    await online(t);
    t.transport.device.write(Uint8Array.of(0xff, 0x80, 0x93, 0x11));
    await t.printer.enqueue(dayPass(1));
    expect(await runUntil(t.clock, () => t.printer.jobState('DP-1') === 'printed')).toBe(true);
    expect(t.printer.status().state).toBe('online');
  });

  it('the queue survives an agent restart (JSON file): pending jobs print once, printed ones are not reprinted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resabox-printq-'));
    dirs.push(dir);
    const path = join(dir, 'print-queue.json');
    const a = setup({ store: new JsonFileJobStore(path) });
    await online(a);
    a.sim.paperEndAfterLines(12);
    for (const n of [1, 2, 3]) await a.printer.enqueue(dayPass(n));
    await runUntil(a.clock, () => a.printer.jobState('DP-2') === 'waiting-paper');
    await a.printer.stop();
    const saved = JSON.parse(readFileSync(path, 'utf8')) as { pending: { job: { jobId: string }; state: string }[] };
    expect(saved.pending.map((p) => [p.job.jobId, p.state])).toEqual([
      ['DP-2', 'waiting-paper'],
      ['DP-3', 'queued'],
    ]);
    // The agent restarts with a fresh roll on a new link.
    const b = setup({ store: new JsonFileJobStore(path) });
    await b.printer.enqueue(dayPass(1));
    await online(b);
    expect(await runUntil(b.clock, () => b.printer.jobState('DP-3') === 'printed')).toBe(true);
    await runFor(b.clock, 1000);
    expect(printedPayloads(a.sim)).toEqual(['RESA:DP-1']);
    expect(printedPayloads(b.sim)).toEqual(['RESA:DP-2', 'RESA:DP-3']);
  });

  it('a job saved as "printing" when the agent died is sent again on restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resabox-printq-'));
    dirs.push(dir);
    const path = join(dir, 'q.json');
    writeFileSync(path, JSON.stringify({ version: 1, pending: [{ job: dayPass(7), state: 'printing', attempts: 1 }], finished: [] }));
    const t = setup({ store: new JsonFileJobStore(path) });
    await online(t);
    expect(await runUntil(t.clock, () => t.printer.jobState('DP-7') === 'printed')).toBe(true);
    expect(printedPayloads(t.sim)).toEqual(['RESA:DP-7']);
  });

  it('an unreadable queue file is moved aside, not overwritten', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resabox-printq-'));
    dirs.push(dir);
    const path = join(dir, 'q.json');
    writeFileSync(path, '{"version":1,"pend');
    const t = setup({ store: new JsonFileJobStore(path) });
    await online(t);
    expect(readdirSync(dir).some((f) => f.startsWith('q.json.corrupt-'))).toBe(true);
  });
});
