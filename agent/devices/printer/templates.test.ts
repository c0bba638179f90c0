import { describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/core/index.ts';
import { decodeByte, decodeCommandStep, type EscposCommand } from '../../../protocol/escpos/index.ts';
import type { PrintJob } from '../printer-port.ts';
import { renderJob } from './templates.ts';

/** Decodes a rendered job back into its commands, and its text lines (cp858). */
function decode(job: PrintJob, columns = 48): { commands: EscposCommand[]; lines: string[]; bytes: Uint8Array } {
  const r = renderJob(job, { columns, codePage: 'cp858', timeZone: 'Europe/Paris', locale: 'fr-FR' });
  if (!r.ok) throw new Error(r.error.message);
  const commands: EscposCommand[] = [];
  let buf = r.value;
  while (buf.length > 0) {
    const s = decodeCommandStep(buf);
    if (s.kind !== 'frame') throw new Error(`undecodable template output: ${s.kind}`);
    commands.push(s.frame);
    buf = buf.subarray(s.consumed);
  }
  const lines: string[] = [];
  let line = '';
  for (const c of commands) {
    if (c.kind === 'text') line += Array.from(c.bytes, (b) => decodeByte(b, 'cp858')).join('');
    if (c.kind === 'line-feed') {
      lines.push(line);
      line = '';
    }
  }
  return { commands, lines, bytes: r.value };
}

const at = Date.UTC(2026, 2, 7, 17, 45);

describe('print job templates', () => {
  it('starts every job with ESC @ and the code page, and ends with feed and partial cut', () => {
    const { bytes } = decode({ kind: 'test', jobId: 'T-1', clubName: 'Club', at });
    expect(toHex(bytes.slice(0, 5))).toBe('1b401b7413');
    expect(toHex(bytes.slice(-4))).toBe('1d564260');
  });

  it('day pass: holder, validity in the club time zone, QR payload, job id', () => {
    const { lines, commands } = decode({ kind: 'day-pass', jobId: 'DP-9', clubName: 'Aquaclub', holder: 'Léa', validUntil: at, qrPayload: 'RESA1.x' });
    // Blank lines are ESC d feeds, not text lines.
    expect(lines).toEqual(['Aquaclub', 'ENTRÉE 1 JOUR', 'Léa', "Valable jusqu'au 07/03/2026 18:45", 'Présentez ce code au lecteur', 'DP-9']);
    const store = commands.find((c) => c.kind === 'qr' && c.fn === 0x50);
    expect(store && store.kind === 'qr' && new TextDecoder().decode(store.params.subarray(1))).toBe('RESA1.x');
  });

  it('receipt: amounts in euros, right-aligned on the paper width, total in bold', () => {
    const { lines, commands } = decode(
      {
        kind: 'receipt',
        jobId: 'R-1',
        clubName: 'Club',
        lines: [
          { label: 'Entrée piscine', amountCents: 550 },
          { label: 'Location de serviette très longue désignation', amountCents: 1200 },
        ],
        totalCents: 1750,
        at,
      },
      32,
    );
    expect(lines.slice(1)).toEqual([
      'REÇU',
      '07/03/2026 18:45',
      'Entrée piscine' + ' '.repeat(32 - 14 - 6) + '5,50 €',
      'Location de serviette tr 12,00 €',
      '-'.repeat(32),
      'TOTAL' + ' '.repeat(32 - 5 - 7) + '17,50 €',
      'R-1',
    ]);
    expect(lines.slice(3, 7).every((l) => l.length === 32)).toBe(true);
    expect(commands.filter((c) => c.kind === 'bold' && c.on)).toHaveLength(3);
  });

  it('locker: number, code and a CODE128 of the locker', () => {
    const { lines, commands } = decode({ kind: 'locker', jobId: 'L-1', clubName: 'Club', locker: 'B-117', code: '4821', at });
    expect(lines.slice(1, 5)).toEqual(['CASIER', 'B-117', 'Code : 4821', '07/03/2026 18:45']);
    const barcode = commands.find((c) => c.kind === 'barcode');
    expect(barcode && barcode.kind === 'barcode' && new TextDecoder().decode(barcode.data)).toBe('{BB-117');
  });

  it('test ticket prints the French accents and the euro sign in the code page', () => {
    const { lines, bytes } = decode({ kind: 'test', jobId: 'T-1', clubName: 'Club', at });
    expect(lines).toContain('Accents : é è à ç ù ê ô î € °');
    expect([...bytes]).toEqual(expect.arrayContaining([0x82, 0x8a, 0x85, 0x87, 0x97, 0xd5]));
  });

  it('a QR payload too long for a QR code is an error, not a broken ticket', () => {
    const r = renderJob({ kind: 'day-pass', jobId: 'X', clubName: 'C', holder: 'H', validUntil: at, qrPayload: 'x'.repeat(8000) });
    expect(r).toMatchObject({ ok: false, error: { code: 'ESCPOS_QR_TOO_LONG' } });
  });
});
