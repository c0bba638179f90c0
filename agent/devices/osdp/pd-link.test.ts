import { describe, expect, it } from 'vitest';
import { toHex } from '../../../protocol/core/index.ts';
import { decodePacket, encodePacket, encodeReply, type DecodedPacket, type OsdpReply } from '../../../protocol/osdp/index.ts';
import { PdLink, type Exchange } from './pd-link.ts';

function reply(address: number, sequence: number, r: OsdpReply): DecodedPacket {
  const step = decodePacket(encodePacket({ address, reply: true, sequence, useCrc: true, ...encodeReply(r) }));
  if (step.kind !== 'frame') throw new Error('bad fixture');
  return step.frame;
}

const PDID: OsdpReply = { kind: 'pdid', vendorCode: 0x030201, model: 4, version: 5, serial: 6, firmware: '7.8.9' };

function answer(link: PdLink, r: OsdpReply): Exchange {
  const x = link.nextExchange();
  if (!x) throw new Error('no exchange');
  const out = link.onReply(x, reply(link.address, x.sequence, r));
  if (out.kind === 'answered') link.apply(out.event);
  return x;
}

describe('PdLink (one reader, no secure channel)', () => {
  const make = () => new PdLink({ address: 4 }, (n) => new Uint8Array(n), () => undefined);

  it('discovers with ID at sequence 0, then CAP, then polls with sequence 1, 2, 3, 1', () => {
    const link = make();
    const seen: [string, number][] = [];
    const log = (x: Exchange) => seen.push([x.command.kind, x.sequence]);
    log(answer(link, PDID));
    expect(link.identity).toEqual({ vendor: '030201', model: 4, serial: 6, firmware: '7.8.9' });
    log(answer(link, { kind: 'pdcap', capabilities: [] }));
    for (let i = 0; i < 4; i++) log(answer(link, { kind: 'ack' }));
    expect(seen).toEqual([['id', 0], ['cap', 1], ['poll', 2], ['poll', 3], ['poll', 1], ['poll', 2]]);
    expect(link.phase).toBe('online');
  });

  it('a retry is the very same bytes; offline after the configured number of failures', () => {
    const link = make();
    const first = link.nextExchange()!;
    expect(link.onNoReply(3)).toBeUndefined();
    expect(toHex(link.nextExchange()!.bytes)).toBe(toHex(first.bytes));
    expect(link.onNoReply(3)).toBeUndefined();
    expect(link.onNoReply(3)).toBe('offline');
    link.apply('offline');
    expect(link.pending).toBeUndefined();
    expect(link.nextExchange()).toMatchObject({ command: { kind: 'id' }, sequence: 0 });
  });

  it('BUSY keeps the exchange pending; queued feedback resolves when answered, and is refused with a code when not online', () => {
    const link = make();
    let early = false;
    expect(link.enqueue({ kind: 'poll' }, () => (early = true))).toMatchObject({ code: 'OSDP_READER_NOT_READY' });
    expect(early).toBe(false);
    answer(link, PDID);
    answer(link, { kind: 'pdcap', capabilities: [] });
    let done = false;
    link.enqueue({ kind: 'buz', reader: 0, tone: 2, onTime: 1, offTime: 0, count: 1 }, () => (done = true));
    const x = link.nextExchange()!;
    expect(x.command.kind).toBe('buz');
    expect(link.onReply(x, reply(4, x.sequence, { kind: 'busy' }))).toEqual({ kind: 'busy' });
    expect(done).toBe(false);
    expect(link.nextExchange()).toBe(x);
    answer(link, { kind: 'ack' });
    expect(done).toBe(true);
  });
});
