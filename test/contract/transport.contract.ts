import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Transport, TransportError, TransportErrorCode } from '../../agent/transport/transport.ts';

/** The device side of the link under test, as the harness sees it. */
export interface ContractPeer {
  write(data: Uint8Array): void;
  onData(listener: (chunk: Uint8Array) => void): () => void;
}

/** What each implementation's test supplies so that the shared suite can drive it. */
export interface TransportHarness {
  readonly transport: Transport;
  /** The device end currently attached (a new one after restore()). */
  peer(): ContractPeer;
  /** Breaks the link from the device side: cable pulled, peer closed, device unplugged. */
  loseLink(): Promise<void>;
  /** Makes the device unreachable, so that the next open fails. */
  makeUnreachable(): Promise<void>;
  /** Makes the device reachable again after loseLink() or makeUnreachable(). */
  restore(): Promise<void>;
  /** Makes the device stop taking bytes; returns a payload whose write then stays pending. */
  stallWrites(): Promise<Uint8Array>;
  dispose(): Promise<void>;
}

export interface ContractOptions {
  /** Only the mock and injected devices can make one write fail while the link stays up. */
  failNextWrite?: (h: TransportHarness) => void;
}

const WAIT_LIMIT_MS = 5000;

/** Polls until `cond` holds; a condition that never holds fails the test with `what`. */
export async function eventually(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function collect(subscribe: (l: (chunk: Uint8Array) => void) => () => void): { bytes: () => number[]; stop: () => void } {
  const got: number[] = [];
  const stop = subscribe((chunk) => got.push(...chunk));
  return { bytes: () => got, stop };
}

async function rejectionCode(p: Promise<unknown>): Promise<TransportErrorCode | 'resolved'> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return (e as TransportError).code;
  }
}

function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** The Transport contract of agent/transport/transport.ts, one `it` per rule. */
export function transportContract(name: string, makeHarness: () => Promise<TransportHarness>, options: ContractOptions = {}): void {
  describe(`Transport contract: ${name}`, () => {
    let h: TransportHarness;
    let t: Transport;
    let closes: (TransportError | undefined)[];

    beforeEach(async () => {
      h = await makeHarness();
      t = h.transport;
      closes = [];
      t.on('close', (reason) => closes.push(reason));
    });
    afterEach(async () => {
      await t.close();
      await h.dispose();
    });

    it('opens, and refuses a second open with TRANSPORT_ALREADY_OPEN while staying open', async () => {
      expect(t.isOpen).toBe(false);
      await t.open();
      expect(t.isOpen).toBe(true);
      expect(await rejectionCode(t.open())).toBe('TRANSPORT_ALREADY_OPEN');
      expect(t.isOpen).toBe(true);
      const peer = collect((l) => h.peer().onData(l));
      await t.write(Uint8Array.of(7));
      await eventually('the byte after a refused open', () => peer.bytes().length === 1);
      expect(closes).toEqual([]);
    });

    it('refuses an open issued while another open is in progress (one link, never two)', async () => {
      const first = t.open();
      expect(await rejectionCode(t.open())).toBe('TRANSPORT_ALREADY_OPEN');
      await first;
      expect(t.isOpen).toBe(true);
      await t.close();
      expect(closes).toEqual([undefined]);
    });

    it('rejects writes with TRANSPORT_NOT_OPEN before open and after close', async () => {
      expect(await rejectionCode(t.write(Uint8Array.of(1)))).toBe('TRANSPORT_NOT_OPEN');
      await t.open();
      await t.close();
      expect(await rejectionCode(t.write(Uint8Array.of(1)))).toBe('TRANSPORT_NOT_OPEN');
    });

    it('resolves an empty write and sends nothing', async () => {
      await t.open();
      const peer = collect((l) => h.peer().onData(l));
      await t.write(new Uint8Array(0));
      await t.write(Uint8Array.of(0x42));
      await eventually('the marker byte', () => peer.bytes().length >= 1);
      expect(peer.bytes()).toEqual([0x42]);
    });

    it('delivers writes in call order when callers do not wait for each other', async () => {
      await t.open();
      const peer = collect((l) => h.peer().onData(l));
      const parts = Array.from({ length: 40 }, (_, i) => pattern(1 + ((i * 37) % 300), i));
      await Promise.all(parts.map((p) => t.write(p)));
      const expected = parts.flatMap((p) => [...p]);
      await eventually('all written bytes at the device', () => peer.bytes().length >= expected.length);
      expect(peer.bytes()).toEqual(expected);
    });

    it('delivers incoming bytes in order, whether they come one at a time or in large chunks', async () => {
      await t.open();
      const got = collect((l) => t.on('data', l));
      const single = pattern(200, 3);
      for (const b of single) h.peer().write(Uint8Array.of(b));
      const bulk = pattern(20_000, 9);
      h.peer().write(bulk);
      const expected = [...single, ...bulk];
      await eventually('all device bytes at the driver', () => got.bytes().length >= expected.length);
      expect(got.bytes()).toEqual(expected);
    });

    it('closes idempotently, with exactly one close notification and no reason', async () => {
      await t.close();
      expect(closes).toEqual([]);
      await t.open();
      await Promise.all([t.close(), t.close()]);
      await t.close();
      expect(t.isOpen).toBe(false);
      expect(closes).toEqual([undefined]);
    });

    it('notifies close once per open across open/close cycles and carries data after each reopen', async () => {
      for (let i = 0; i < 3; i++) {
        await t.open();
        const peer = collect((l) => h.peer().onData(l));
        await t.write(Uint8Array.of(i));
        await eventually(`byte ${i} after reopen`, () => peer.bytes().length === 1);
        peer.stop();
        await t.close();
      }
      expect(closes).toEqual([undefined, undefined, undefined]);
    });

    it('rejects a write still pending at close with TRANSPORT_CLOSED', async () => {
      await t.open();
      const errors: TransportError[] = [];
      t.on('error', (e) => errors.push(e));
      const payload = await h.stallWrites();
      const pending = rejectionCode(t.write(payload));
      await new Promise((r) => setTimeout(r, 20));
      await t.close();
      expect(await pending).toBe('TRANSPORT_CLOSED');
      expect(closes).toEqual([undefined]);
      // A requested close is not a fault: the cancelled write is reported to its caller only.
      expect(errors).toEqual([]);
    });

    it('reports a lost link once, as TRANSPORT_LINK_LOST, and is then closed', async () => {
      await t.open();
      await h.loseLink();
      await eventually('the close notification', () => closes.length > 0);
      expect(closes).toHaveLength(1);
      expect(closes[0]?.code).toBe('TRANSPORT_LINK_LOST');
      expect(t.isOpen).toBe(false);
      expect(await rejectionCode(t.write(Uint8Array.of(1)))).toBe('TRANSPORT_NOT_OPEN');
      await t.close();
      expect(closes).toHaveLength(1);
    });

    it('reopens after a lost link and carries bytes both ways', async () => {
      await t.open();
      await h.loseLink();
      await eventually('the link loss', () => closes.length === 1);
      await h.restore();
      await t.open();
      expect(t.isOpen).toBe(true);
      const peer = collect((l) => h.peer().onData(l));
      const got = collect((l) => t.on('data', l));
      await t.write(Uint8Array.of(1, 2, 3));
      h.peer().write(Uint8Array.of(4, 5));
      await eventually('bytes both ways after reopen', () => peer.bytes().length === 3 && got.bytes().length === 2);
      expect([peer.bytes(), got.bytes()]).toEqual([
        [1, 2, 3],
        [4, 5],
      ]);
      await t.close();
      expect(closes.map((c) => c?.code)).toEqual(['TRANSPORT_LINK_LOST', undefined]);
    });

    it('rejects an open that fails with TRANSPORT_OPEN_FAILED, stays closed, and opens later', async () => {
      await h.makeUnreachable();
      expect(await rejectionCode(t.open())).toBe('TRANSPORT_OPEN_FAILED');
      expect(t.isOpen).toBe(false);
      expect(closes).toEqual([]);
      await h.restore();
      await t.open();
      expect(t.isOpen).toBe(true);
    });

    it('stops calling a listener once it unsubscribed', async () => {
      await t.open();
      const kept = collect((l) => t.on('data', l));
      const dropped = collect((l) => t.on('data', l));
      dropped.stop();
      h.peer().write(Uint8Array.of(9, 9));
      await eventually('bytes at the kept listener', () => kept.bytes().length === 2);
      expect(dropped.bytes()).toEqual([]);
    });

    const failNextWrite = options.failNextWrite;
    if (failNextWrite) {
      it('reports a failed write to error listeners as TRANSPORT_WRITE_FAILED and stays open', async () => {
        await t.open();
        const errors: TransportError[] = [];
        t.on('error', (e) => errors.push(e));
        failNextWrite(h);
        expect(await rejectionCode(t.write(Uint8Array.of(1)))).toBe('TRANSPORT_WRITE_FAILED');
        expect(errors.map((e) => e.code)).toEqual(['TRANSPORT_WRITE_FAILED']);
        expect(t.isOpen).toBe(true);
        const peer = collect((l) => h.peer().onData(l));
        await t.write(Uint8Array.of(2));
        await eventually('the next write', () => peer.bytes().length === 1);
        expect(closes).toEqual([]);
      });
    }
  });
}
