import ImageData from '@canvas/image-data';
import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import { describe, expect, it } from 'vitest';
import type { SimLink } from '../link.ts';
import { EscposPrinterSim } from './printer-sim.ts';
import { renderTicket, ticketLines } from './ticket.ts';

/**
 * The simulator against what a receipt tool nobody here wrote sends: tickets built with
 * @point-of-sale/receipt-printer-encoder (the ESC/POS generator behind the WebUSB,
 * WebSerial and WebBluetooth receipt printer packages) for two printer models, one that
 * gets images as ESC * bands and one that gets GS v 0 rasters. Its streams carry commands
 * the box's own driver never sends (FS ., ESC M, ESC 4, GS B, ESC p, GS P, ESC 3, ESC 2,
 * GS h, GS w, GS H, ESC t 0...): each must be consumed whole, never printed.
 */
function fakeLink() {
  const listeners = new Set<(c: Uint8Array) => void>();
  const link: SimLink = {
    write: () => undefined,
    onData: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  return { link, send: (d: Uint8Array) => listeners.forEach((l) => l(d)) };
}

/** A black square, as a raster QR code or a logo reaches the printer: every data byte is 0xFF. */
function blackImage(size: number): ImageData {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return new ImageData(data, size, size);
}

function ticket(printerModel: 'epson-tm-t88vi' | 'sunmi', extra: (e: ReceiptPrinterEncoder) => ReceiptPrinterEncoder = (e) => e): Uint8Array {
  const e = new ReceiptPrinterEncoder({ printerModel })
    .initialize()
    .codepage('cp858')
    .align('center')
    .bold(true)
    .size(2, 2)
    .line('Piscine Sud')
    .size(1, 1)
    .bold(false)
    .underline(true)
    .line('Entrée 1 jour 4,50 €')
    .underline(false)
    .italic(true)
    .line('Bonne séance')
    .italic(false)
    .invert(true)
    .line('PASS')
    .invert(false)
    .align('left')
    .table([{ width: 20 }, { width: 10, align: 'right' }], [['Carnet 10 entrées', '45,00 €']])
    .rule()
    .qrcode('DP:RESA-42', { model: 2, size: 6, errorlevel: 'm' })
    .barcode('L-042', 'code128', 60)
    .image(blackImage(40), 40, 40, 'threshold')
    .pulse();
  return extra(e).cut('partial').encode();
}

function print(bytes: Uint8Array, chunk = bytes.length): EscposPrinterSim {
  const { link, send } = fakeLink();
  const sim = new EscposPrinterSim(link);
  for (let i = 0; i < bytes.length; i += chunk) send(bytes.subarray(i, i + chunk));
  return sim;
}

/** What a person reads on the paper, padding spaces trimmed (the encoder centres by padding). */
const read = (sim: EscposPrinterSim) => renderTicket(sim.tickets[0]!).map((l) => l.replace(/\] +/, '] ').trim());

const PAPER = (image: string, columns: number) => [
  '[bold 2x2] Piscine Sud',
  '[underline1] Entrée 1 jour 4,50 €',
  'Bonne séance',
  '[invert] PASS',
  'Carnet 10 entrées      45,00 €',
  '─'.repeat(columns),
  '[qr M 6] DP:RESA-42',
  '',
  '[barcode 73] L-042',
  '',
  image,
];

describe('EscposPrinterSim against @point-of-sale/receipt-printer-encoder', () => {
  it('renders an Epson TM-T88VI ticket (images as ESC * bands) as its text, the image as one placeholder with its size', () => {
    const sim = print(ticket('epson-tm-t88vi'));
    expect(sim.tickets.map((t) => t.end)).toEqual(['partial-cut']);
    // 40 dots high is sent as two 24-dot bands.
    expect(read(sim).slice(0, 11)).toEqual(PAPER('[image 40x48 dots]', 42));
    expect(sim.status()).toMatchObject({ unknownCommands: 0, badCommands: 0 });
    expect(sim.decodeErrors).toEqual([]);
  });

  it('renders a Sunmi ticket (58 mm, 32 columns, images as GS v 0 rasters) the same way', () => {
    const sim = print(ticket('sunmi'));
    expect(read(sim).slice(0, 11)).toEqual(PAPER('[image 40x40 dots]', 32));
    expect(sim.decodeErrors).toEqual([]);
  });

  it('prints no command byte as text: every character is one the ticket holds, whatever the chunking', () => {
    const bytes = ticket('epson-tm-t88vi');
    const expected = ticketLines(print(bytes).tickets[0]!);
    const allowed = new Set([...'Piscine Sud Entrée 1 jour 4,50 € Bonne séance PASS Carnet 10 entrées ─']);
    for (const line of expected) for (const ch of line) expect(allowed.has(ch), `${JSON.stringify(ch)} in ${JSON.stringify(line)}`).toBe(true);
    for (const chunk of [1, 2, 3, 7, 64]) expect(ticketLines(print(bytes, chunk).tickets[0]!)).toEqual(expected);
  });

  it('counts a command outside the ESC/POS set, skips it, and prints the rest of the ticket', () => {
    const sim = print(ticket('sunmi', (e) => e.raw([0x1b, 0x99, 0x1d, 0x01]).line('Merci')));
    expect(sim.status()).toMatchObject({ unknownCommands: 2, badCommands: 0 });
    expect(read(sim)).toContain('Merci');
  });
});
