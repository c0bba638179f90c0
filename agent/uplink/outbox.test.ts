import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { decode, type Pass, type PassAck } from '../../protocol/mqtt/index.ts';
import { VALID_MESSAGES } from '../../protocol/mqtt/fixtures.ts';
import { PassOutbox, type OutboxJournal } from './outbox.ts';

const template = VALID_MESSAGES.passes.passes[0] as Pass;

class MemoryJournal implements OutboxJournal {
  rows: Pass[] = [];
  acked = 0;
  add(n: number, extra: Partial<Pass> = {}): void {
    for (let i = 0; i < n; i++) this.rows.push({ ...template, ...extra, seq: this.rows.length + 1 });
  }
  readUnsent(limit: number, afterSeq = this.acked): Pass[] {
    return this.rows.filter((p) => p.seq > Math.max(afterSeq, this.acked)).slice(0, limit);
  }
  ack(seq: number): void {
    this.acked = Math.max(this.acked, seq);
  }
  stats() {
    return { lastSeq: this.rows.length, ackedSeq: this.acked };
  }
}

const turns = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

function setup(options: { batchSize?: number; maxInFlight?: number; ackFlushMs?: number } = {}) {
  const clock = new ManualClock();
  const journal = new MemoryJournal();
  const sent: { batchId: string; first: number; last: number }[] = [];
  let online = true;
  const outbox = new PassOutbox({
    journal,
    clock,
    logger: silentLogger,
    ackTimeoutMs: 5000,
    pollMs: 100,
    ackFlushMs: 0,
    ...options,
    publish: (payload) => {
      if (!online) return false;
      const d = decode('passes', payload);
      if (!d.ok) throw new Error(d.error.message);
      sent.push({ batchId: d.value.batchId, first: d.value.passes[0]!.seq, last: d.value.passes.at(-1)!.seq });
      return true;
    },
  });
  const ack = (b: { batchId: string; first: number; last: number }): PassAck => ({ v: 1, batchId: b.batchId, firstSeq: b.first, lastSeq: b.last, stored: b.last - b.first + 1, duplicates: 0, ts: clock.now() });
  return { clock, journal, sent, outbox, ack, setOnline: (v: boolean) => (online = v) };
}

describe('PassOutbox', () => {
  it('sends batches in order, at most maxInFlight unacknowledged, and advances only on acks', async () => {
    const t = setup({ batchSize: 10, maxInFlight: 2 });
    t.journal.add(45);
    t.outbox.connected();
    await turns();
    expect(t.sent.map((b) => [b.first, b.last])).toEqual([[1, 10], [11, 20]]);
    expect(t.journal.acked).toBe(0);
    t.outbox.onAck(t.ack(t.sent[0]!));
    await turns();
    expect(t.journal.acked).toBe(10);
    expect(t.sent.map((b) => b.first)).toEqual([1, 11, 21]);
    for (let i = 1; i < 5; i++) {
      t.outbox.onAck(t.ack(t.sent[i]!));
      await turns();
    }
    expect(t.journal.acked).toBe(45);
    expect(t.sent.map((b) => [b.first, b.last]).at(-1)).toEqual([41, 45]);
    t.outbox.stop();
  });

  it('halves a batch of explained passes until it fits the topic byte limit, in order and with nothing skipped', async () => {
    const t = setup({ batchSize: 500, maxInFlight: 100 });
    const explanation = { v: 1, rightsVersion: 7, at: { at: 0, local: null }, tz: null, rules: [{ rule: 'zone-open', outcome: 'fail' as const, facts: { today: ['x'.repeat(1800)] } }] };
    t.journal.add(500, { explanation });
    t.outbox.connected();
    await turns(40);
    expect(t.sent.map((b) => [b.first, b.last])).toEqual([[1, 125], [126, 313], [314, 500]]);
  });

  it('writes coalesced acks to the journal at most every ackFlushMs, and on stop', async () => {
    const t = setup({ batchSize: 10, maxInFlight: 3, ackFlushMs: 100 });
    t.journal.add(30);
    t.outbox.connected();
    await turns();
    t.outbox.onAck(t.ack(t.sent[0]!));
    t.outbox.onAck(t.ack(t.sent[1]!));
    expect(t.journal.acked).toBe(0);
    t.clock.advance(100);
    expect(t.journal.acked).toBe(20);
    t.outbox.onAck(t.ack(t.sent[2]!));
    t.outbox.stop();
    expect(t.journal.acked).toBe(30);
  });

  it('does not move the cursor past a batch whose ack is missing', async () => {
    const t = setup({ batchSize: 10, maxInFlight: 3 });
    t.journal.add(30);
    t.outbox.connected();
    await turns();
    t.outbox.onAck(t.ack(t.sent[1]!));
    expect(t.journal.acked).toBe(0);
    t.outbox.stop();
  });

  it('keeps an ack that arrives before the one of an earlier batch (two fleet instances), and jumps the cursor over it once the gap closes', async () => {
    const t = setup({ batchSize: 10, maxInFlight: 3 });
    t.journal.add(30);
    t.outbox.connected();
    await turns();
    expect(t.sent.map((b) => b.first)).toEqual([1, 11, 21]);
    t.outbox.onAck(t.ack(t.sent[2]!));
    t.outbox.onAck(t.ack(t.sent[1]!));
    expect(t.journal.acked).toBe(0);
    t.outbox.onAck(t.ack(t.sent[0]!));
    expect(t.journal.acked).toBe(30);
    // Nothing was waiting for a timeout: no batch goes out again.
    t.clock.advance(5000);
    await turns();
    expect(t.sent).toHaveLength(3);
    t.outbox.stop();
  });

  it('sends only the batch whose ack is missing again when the others were acknowledged past it', async () => {
    const t = setup({ batchSize: 10, maxInFlight: 2 });
    t.journal.add(20);
    t.outbox.connected();
    await turns();
    t.outbox.onAck(t.ack(t.sent[1]!));
    expect(t.journal.acked).toBe(0);
    t.clock.advance(5000);
    await turns();
    const resent = t.sent.slice(2);
    expect(resent).toEqual([expect.objectContaining({ first: 1, last: 10 })]);
    t.outbox.onAck(t.ack(resent[0]!));
    expect(t.journal.acked).toBe(20);
    t.outbox.stop();
  });

  it('sends again from the cursor after a reconnect and after an ack timeout; stale acks are harmless', async () => {
    const t = setup({ batchSize: 10, maxInFlight: 2 });
    t.journal.add(20);
    t.outbox.connected();
    await turns();
    const first = t.sent[0]!;
    t.outbox.disconnected();
    t.outbox.connected();
    await turns();
    expect(t.sent.map((b) => b.first)).toEqual([1, 11, 1, 11]);
    t.outbox.onAck(t.ack(first));
    t.outbox.onAck(t.ack(first));
    expect(t.journal.acked).toBe(10);
    t.clock.advance(5000);
    await turns();
    expect(t.sent.at(-1)!.first).toBe(11);
    t.outbox.onAck({ ...t.ack(t.sent.at(-1)!), lastSeq: 999 });
    expect(t.journal.acked).toBe(10);
    t.outbox.stop();
  });

  it('picks up passes journaled later through its poll, and sends nothing while offline', async () => {
    const t = setup({ batchSize: 10 });
    t.outbox.connected();
    await turns();
    expect(t.sent).toEqual([]);
    t.journal.add(3);
    t.clock.advance(100);
    await turns();
    expect(t.sent.map((b) => [b.first, b.last])).toEqual([[1, 3]]);
    t.outbox.disconnected();
    t.journal.add(3);
    t.clock.advance(100);
    await turns();
    expect(t.sent).toHaveLength(1);
    t.outbox.stop();
  });
});
