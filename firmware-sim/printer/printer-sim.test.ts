import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concatBytes, fromHex, toHex } from '../../protocol/core/index.ts';
import { EscposDocument, realtimeStatusRequest, paperSensorStatusRequest, automaticStatusBack } from '../../protocol/escpos/index.ts';
import type { SimLink } from '../link.ts';
import { EscposPrinterSim } from './printer-sim.ts';
import { renderTicket, ticketLines, ticketQrPayloads } from './ticket.ts';

/** A SimLink in memory: `send` plays the host, `replies` is what the printer answered. */
function fakeLink() {
  const listeners = new Set<(c: Uint8Array) => void>();
  const replies: number[] = [];
  const link: SimLink = {
    write: (d) => replies.push(...d),
    onData: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  return { link, replies, send: (d: Uint8Array) => listeners.forEach((l) => l(d)) };
}

function doc(build: (d: EscposDocument) => EscposDocument): Uint8Array {
  const r = build(new EscposDocument('cp858')).bytes();
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const ticket = (title: string) => doc((d) => d.line(title, { align: 'center', bold: true, width: 2, height: 2 }).line('Entrée valable 1 jour').line('Total 12,50 €').qr(`DP:${title}`).code128('L-042').cut());

const ALL_STATUS = concatBytes(realtimeStatusRequest('printer'), realtimeStatusRequest('offline-cause'), realtimeStatusRequest('paper'));

describe('EscposPrinterSim', () => {
  it('renders lines with styles, French accents, the QR payload and the barcode', () => {
    const { link, send } = fakeLink();
    const sim = new EscposPrinterSim(link);
    send(ticket('Piscine Élan'));
    expect(sim.tickets).toHaveLength(1);
    const t = sim.tickets[0]!;
    expect(t.end).toBe('partial-cut');
    expect(renderTicket(t)).toEqual(['[center bold 2x2] Piscine Élan', 'Entrée valable 1 jour', 'Total 12,50 €', '[qr M 6] DP:Piscine Élan', '[barcode 73] L-042']);
    expect(ticketQrPayloads(t)).toEqual(['DP:Piscine Élan']);
    expect(sim.decodeErrors).toEqual([]);
  });

  it('answers DLE EOT 1, 2 and 4 in every paper and cover state', () => {
    const { link, send, replies } = fakeLink();
    const sim = new EscposPrinterSim(link);
    const ask = () => {
      replies.length = 0;
      send(ALL_STATUS);
      return toHex(Uint8Array.from(replies), ' ');
    };
    expect(ask()).toBe('12 12 12');
    sim.setPaper('near-end');
    expect(ask()).toBe('12 12 1e');
    sim.setPaper('end');
    expect(ask()).toBe('3a 32 7e');
    sim.newRoll();
    sim.openCover();
    expect(ask()).toBe('3a 16 12');
    sim.closeCover();
    expect(ask()).toBe('12 12 12');
  });

  it('answers GS r 1 once the data before it was printed, and not while out of paper', () => {
    const { link, send, replies } = fakeLink();
    const sim = new EscposPrinterSim(link);
    send(concatBytes(ticket('A'), paperSensorStatusRequest()));
    expect(replies).toEqual([0x00]);
    sim.setPaper('near-end');
    send(paperSensorStatusRequest());
    expect(replies).toEqual([0x00, 0x03]);
    sim.setPaper('end');
    send(paperSensorStatusRequest());
    expect(replies).toEqual([0x00, 0x03]);
  });

  it('stops mid-ticket when the roll ends, discards the rest, and prints again after a new roll', () => {
    const { link, send, replies } = fakeLink();
    const sim = new EscposPrinterSim(link);
    sim.paperEndAfterLines(2);
    send(concatBytes(ticket('A'), paperSensorStatusRequest()));
    expect(sim.paperLevel).toBe('end');
    expect(sim.tickets.map((t) => t.end)).toEqual(['interrupted']);
    expect(ticketLines(sim.tickets[0]!)).toEqual(['A', 'Entrée valable 1 jour']);
    expect(replies).toEqual([]);
    expect(sim.discardedBytes).toBeGreaterThan(0);
    send(ALL_STATUS);
    expect(toHex(Uint8Array.from(replies))).toBe('3a327e');
    sim.newRoll();
    send(ticket('B'));
    expect(sim.tickets.map((t) => [t.end, ticketLines(t)[0]])).toEqual([
      ['interrupted', 'A'],
      ['partial-cut', 'B'],
    ]);
  });

  it('opening the cover interrupts the ticket being printed', () => {
    const { link, send } = fakeLink();
    const sim = new EscposPrinterSim(link);
    send(doc((d) => d.line('one')));
    sim.openCover();
    send(doc((d) => d.line('two').cut()));
    sim.closeCover();
    expect(sim.tickets.map((t) => [t.end, ticketLines(t)])).toEqual([['interrupted', ['one']]]);
  });

  it('an autocutter error takes it offline with DLE EOT 2 bit 6 and DLE EOT 3 bit 3', () => {
    const { link, send, replies } = fakeLink();
    const sim = new EscposPrinterSim(link);
    sim.setCutterError(true);
    send(concatBytes(ALL_STATUS, realtimeStatusRequest('error-cause'), ticket('A')));
    expect(toHex(Uint8Array.from(replies))).toBe('3a52121a');
    expect(sim.tickets).toEqual([]);
    sim.setCutterError(false);
    send(ticket('B'));
    expect(sim.tickets.map((t) => ticketLines(t)[0])).toEqual(['B']);
  });

  it('can be a printer that ignores GS r', () => {
    const { link, send, replies } = fakeLink();
    const sim = new EscposPrinterSim(link, { answersPaperSensor: false });
    send(concatBytes(ticket('A'), paperSensorStatusRequest()));
    expect(replies).toEqual([]);
    expect(sim.tickets).toHaveLength(1);
  });

  it('a silent printer answers nothing and prints nothing', () => {
    const { link, send, replies } = fakeLink();
    const sim = new EscposPrinterSim(link);
    sim.goSilent(true);
    send(concatBytes(ALL_STATUS, ticket('A')));
    expect(replies).toEqual([]);
    expect(sim.tickets).toEqual([]);
    sim.goSilent(false);
    send(ALL_STATUS);
    expect(replies).toEqual([0x12, 0x12, 0x12]);
  });

  it('sends automatic status back when enabled and on every change', () => {
    const { link, send, replies } = fakeLink();
    const sim = new EscposPrinterSim(link);
    send(automaticStatusBack(0xff));
    expect(toHex(Uint8Array.from(replies))).toBe('10000000');
    sim.setPaper('end');
    expect(toHex(Uint8Array.from(replies.slice(4)))).toBe('18000f00');
  });

  it('counts garbage, never throws, and re-syncs on the next ESC @', () => {
    const { link, send } = fakeLink();
    const sim = new EscposPrinterSim(link);
    send(fromHex('07 1b 99 1d 56 07'));
    send(ticket('A'));
    expect(sim.decodeErrors).toEqual(['ESCPOS_CMD_BAD_CONTROL', 'ESCPOS_CMD_UNKNOWN', 'ESCPOS_CMD_BAD_PARAM']);
    expect(sim.status()).toMatchObject({ unknownCommands: 1, badCommands: 2, tickets: 1 });
    expect(sim.tickets.map((t) => ticketLines(t)[0])).toEqual(['A']);
  });

  it('decodes text in the code page selected by ESC t, and notes a page it does not know', () => {
    const { link, send } = fakeLink();
    const sim = new EscposPrinterSim(link);
    send(fromHex('1b40 1b7410 e9 0a 1b7413 82 0a 1b7400 82c4 0a 1b7402 82 0a 1d5601'));
    expect(ticketLines(sim.tickets[0]!)).toEqual(['é', 'é', 'é─', 'é']);
    expect(sim.decodeErrors).toEqual(['SIM_UNKNOWN_CODE_PAGE_2']);
  });

  it('ignores data while deselected (ESC = 0), and prints stored graphics (GS ( L) as a placeholder with their size', () => {
    const { link, send } = fakeLink();
    const sim = new EscposPrinterSim(link);
    send(fromHex('1b40 1b3d00 4e4f 0a'));
    expect(sim.status()).toMatchObject({ deselected: true });
    send(fromHex('1b3d01 6f6b 0a 1d284c 0c00 3070 30 02 01 31 0800 0200 ffff 1d284c 0200 3032 1d5601'));
    expect(renderTicket(sim.tickets[0]!)).toEqual(['ok', '[image 16x2 dots]']);
    expect(sim.status()).toMatchObject({ deselected: false, discardedBytes: 3, unknownCommands: 0 });
  });

  it('random bytes in random chunks never throw or hang it', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        const { link, send } = fakeLink();
        const sim = new EscposPrinterSim(link);
        for (const c of chunks) send(c);
        sim.newRoll();
      }),
      { numRuns: 2000 },
    );
  });
});
