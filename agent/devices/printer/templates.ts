import type { Result } from '../../../protocol/core/index.ts';
import { EscposDocument, type CodePage, type EscposError } from '../../../protocol/escpos/index.ts';
import type { PrintJob } from '../printer-port.ts';

export interface TicketLayout {
  /** Characters per line in font A: 48 on 80 mm paper, 32 on 58 mm. */
  readonly columns: number;
  readonly codePage: CodePage;
  /** IANA zone the club's dates are printed in. */
  readonly timeZone: string;
  readonly locale: string;
}

export const DEFAULT_LAYOUT: TicketLayout = { columns: 48, codePage: 'cp858', timeZone: 'Europe/Paris', locale: 'fr-FR' };

const money = (cents: number, locale: string): string =>
  new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' }).format(cents / 100);

const dateTime = (ms: number, l: TicketLayout): string =>
  new Intl.DateTimeFormat(l.locale, { timeZone: l.timeZone, dateStyle: 'short', timeStyle: 'short' }).format(ms);

/**
 * Renders a print job as one self-contained ESC/POS document (ESC @ first, cut last), so
 * re-sending a job after a paper change prints exactly the same ticket. The job id is
 * printed small at the bottom: staff can match a ticket to the journal.
 */
export function renderJob(job: PrintJob, layout: TicketLayout = DEFAULT_LAYOUT): Result<Uint8Array, EscposError> {
  const d = new EscposDocument(layout.codePage);
  d.line(job.clubName, { align: 'center', bold: true, width: 2, height: 2 });
  switch (job.kind) {
    case 'day-pass':
      d.line('ENTRÉE 1 JOUR', { align: 'center', bold: true })
        .line(job.holder, { align: 'center' })
        .line(`Valable jusqu'au ${dateTime(job.validUntil, layout)}`, { align: 'center' })
        .feed(1)
        .qr(job.qrPayload, { moduleSize: 6, errorCorrection: 'M' })
        .line('Présentez ce code au lecteur', { align: 'center' });
      break;
    case 'receipt':
      d.line('REÇU', { align: 'center', bold: true }).line(dateTime(job.at, layout), { align: 'center' }).feed(1);
      for (const l of job.lines) d.columns(l.label, money(l.amountCents, layout.locale), layout.columns);
      d.line('-'.repeat(layout.columns)).columns('TOTAL', money(job.totalCents, layout.locale), layout.columns, { bold: true });
      break;
    case 'locker':
      d.line('CASIER', { align: 'center', bold: true })
        .line(job.locker, { align: 'center', bold: true, width: 3, height: 3 })
        .line(`Code : ${job.code}`, { align: 'center', width: 2, height: 2 })
        .line(dateTime(job.at, layout), { align: 'center' })
        .code128(job.locker);
      break;
    case 'test':
      d.line('TICKET DE TEST', { align: 'center', bold: true })
        .line(dateTime(job.at, layout), { align: 'center' })
        .line('Accents : é è à ç ù ê ô î € °')
        .line('Gras', { bold: true })
        .line('Souligné', { underline: 'thin' })
        .line('Droite', { align: 'right' })
        .qr('RESABOX TEST', { moduleSize: 4, errorCorrection: 'L' })
        .code128('RESABOX-TEST');
      break;
  }
  return d.feed(1).line(job.jobId, { align: 'center' }).cut().bytes();
}
