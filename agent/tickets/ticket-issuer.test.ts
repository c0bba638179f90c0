import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { verifyTicketToken } from '../../protocol/access/ticket-token.ts';
import type { Printer, PrintJob, PrintJobState } from '../devices/printer-port.ts';
import { TicketBook } from './ticket-book.ts';
import { TicketIssuer } from './ticket-issuer.ts';
import { loadOrCreateTicketKey, TICKET_KEY_FILE } from './ticket-key.ts';

/** A printer that keeps what it was given (the real driver is tested in agent/devices/printer). */
class KeptJobs implements Pick<Printer, 'enqueue' | 'jobState'> {
  readonly jobs: PrintJob[] = [];
  fail = false;
  async enqueue(job: PrintJob): Promise<void> {
    if (this.fail) throw new Error('queue full');
    this.jobs.push(job);
  }
  jobState(): PrintJobState {
    return 'queued';
  }
}

let dir: string;
let clock: ManualClock;
let book: TicketBook;
let printer: KeptJobs;
const T = Date.UTC(2026, 0, 5, 9, 0); // 10:00 in Paris

const issuer = (o: { printer?: boolean; guests?: number } = {}) =>
  new TicketIssuer({
    key: loadOrCreateTicketKey(dir),
    book,
    printer: o.printer === false ? undefined : (printer as unknown as Printer),
    clock,
    clubName: () => 'Lyon Part-Dieu',
    timeZoneOf: () => 'Europe/Paris',
    guestPassesPerDay: o.guests ?? 1,
  });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tickets-'));
  clock = new ManualClock(T);
  book = new TicketBook(join(dir, 'tickets.db'), T);
  printer = new KeptJobs();
});
afterEach(() => {
  book.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the box ticket key', () => {
  it('is created once (0600) and the same key comes back at the next start', () => {
    const first = loadOrCreateTicketKey(dir);
    expect(statSync(join(dir, TICKET_KEY_FILE)).mode & 0o777).toBe(0o600);
    const again = loadOrCreateTicketKey(dir);
    expect(again.keyId).toBe(first.keyId);
    expect(again.publicRaw).toBe(first.publicRaw);
    expect(first.keyId).toMatch(/^t[A-Za-z0-9_-]{16}$/);
  });
});

describe('TicketIssuer', () => {
  it('prints a day pass whose QR any holder of the public key verifies, valid until local midnight', async () => {
    const key = loadOrCreateTicketKey(dir);
    const printed = await issuer().issue({ kind: 'day', zoneIds: ['club'], holder: 'Visiteur', operator: 'Léa' });
    expect(printed.ok).toBe(true);
    const job = printer.jobs[0];
    expect(job).toMatchObject({ kind: 'day-pass', clubName: 'Lyon Part-Dieu', holder: 'Visiteur', validUntil: Date.UTC(2026, 0, 5, 22, 59) });
    const qr = job?.kind === 'day-pass' ? job.qrPayload : '';
    const claims = verifyTicketToken(qr, (id) => (id === key.keyId ? key.publicKey : undefined), T);
    expect(claims).toMatchObject({ ok: true, value: { kind: 'day', zoneIds: ['club'], validTo: Date.UTC(2026, 0, 5, 23, 0) } });
    expect(printed.ok && claims.ok && printed.value.ticketId).toBe(claims.ok && claims.value.nonce);
    expect(book.countSince(T)).toEqual({ day: 1, guest: 0 });
  });

  it('a ticket printed late in the evening lasts two hours', async () => {
    clock.advance(Date.UTC(2026, 0, 5, 22, 30) - T); // 23:30 in Paris
    await issuer().issue({ kind: 'day', zoneIds: ['club'], holder: 'Visiteur' });
    expect(printer.jobs[0]).toMatchObject({ validUntil: Date.UTC(2026, 0, 6, 0, 29) });
  });

  it('limits guest passes per member and per local day', async () => {
    const guest = { kind: 'guest' as const, zoneIds: ['club'], holder: 'Invité de Camille M.', memberId: 'm1' };
    expect((await issuer().issue(guest)).ok).toBe(true);
    expect(await issuer().issue(guest)).toEqual({ ok: false, error: expect.objectContaining({ code: 'TICKET_GUEST_LIMIT' }) });
    expect((await issuer().issue({ ...guest, memberId: 'm2' })).ok).toBe(true);
    clock.advance(Date.UTC(2026, 0, 5, 23, 1) - T); // 00:01 the next day in Paris
    expect((await issuer().issue(guest)).ok).toBe(true);
    expect((await issuer({ guests: 0 }).issue({ ...guest, memberId: 'm3' })).ok).toBe(false);
  });

  it('says so without a printer, or when the printer refuses the job', async () => {
    expect(await issuer({ printer: false }).issue({ kind: 'day', zoneIds: ['club'], holder: 'X' })).toEqual({ ok: false, error: expect.objectContaining({ code: 'TICKET_NO_PRINTER' }) });
    printer.fail = true;
    expect(await issuer().issue({ kind: 'day', zoneIds: ['club'], holder: 'X' })).toEqual({ ok: false, error: expect.objectContaining({ code: 'TICKET_PRINT_FAILED' }) });
  });
});
