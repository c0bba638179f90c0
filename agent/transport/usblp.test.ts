import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startPtyPair, type PtyPair } from '../../test/support/socat.ts';
import type { TransportError } from './transport.ts';
import { UsbLpTransport } from './usblp.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function pty(): Promise<PtyPair> {
  const p = await startPtyPair();
  cleanups.push(() => p.stop());
  return p;
}

function transport(path: string): UsbLpTransport {
  const t = new UsbLpTransport(path);
  cleanups.push(() => t.close());
  return t;
}

const received = (t: UsbLpTransport) => {
  const bytes: number[] = [];
  t.on('data', (c) => bytes.push(...c));
  return bytes;
};

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('UsbLpTransport (character device through node:fs)', () => {
  it('carries bytes both ways over a pty pair, in order', async () => {
    const p = await pty();
    const host = transport(p.a);
    const dev = transport(p.b);
    await host.open();
    await dev.open();
    const atDev = received(dev);
    const atHost = received(host);
    const big = Uint8Array.from({ length: 20_000 }, (_, i) => i & 0xff);
    await Promise.all([host.write(Uint8Array.of(0x10, 0x04, 0x01)), host.write(big)]);
    await dev.write(Uint8Array.of(0x12));
    await until(() => atDev.length === 3 + big.length && atHost.length === 1);
    expect(atDev.slice(0, 3)).toEqual([0x10, 0x04, 0x01]);
    expect(Uint8Array.from(atDev.slice(3))).toEqual(big);
    expect(atHost).toEqual([0x12]);
  });

  it('reads what another process writes into a FIFO', async () => {
    // A FIFO is one channel: opened read-write, the transport would read back its own
    // writes, so only the device-to-host direction is checked here (both are over the pty).
    const dir = mkdtempSync(join(tmpdir(), 'resabox-usblp-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const fifo = join(dir, 'lp0');
    execFileSync('mkfifo', [fifo]);
    const t = transport(fifo);
    await t.open();
    const got = received(t);
    const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    cleanups.push(() => closeSync(writer));
    writeSync(writer, Uint8Array.of(0x12, 0x16, 0x72));
    await until(() => got.length === 3);
    expect(got).toEqual([0x12, 0x16, 0x72]);
  });

  it('follows the Transport contract: open twice (also while opening), write closed, empty write, idempotent close, one close event', async () => {
    const p = await pty();
    const t = transport(p.a);
    const closes: (TransportError | undefined)[] = [];
    t.on('close', (r) => closes.push(r));
    await expect(t.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'TRANSPORT_NOT_OPEN' });
    const first = t.open();
    await expect(t.open()).rejects.toMatchObject({ code: 'TRANSPORT_ALREADY_OPEN' });
    await first;
    expect(t.isOpen).toBe(true);
    await expect(t.open()).rejects.toMatchObject({ code: 'TRANSPORT_ALREADY_OPEN' });
    await t.write(new Uint8Array(0));
    await t.close();
    await t.close();
    expect(t.isOpen).toBe(false);
    expect(closes).toEqual([undefined]);
    await t.open();
    await t.close();
    expect(closes).toEqual([undefined, undefined]);
  });

  it('a missing device fails with TRANSPORT_OPEN_FAILED and stays closed', async () => {
    const t = new UsbLpTransport(join(tmpdir(), 'resabox-no-such-lp0'));
    await expect(t.open()).rejects.toMatchObject({ code: 'TRANSPORT_OPEN_FAILED' });
    expect(t.isOpen).toBe(false);
  });

  it('reports TRANSPORT_LINK_LOST when the device goes away', async () => {
    const p = await startPtyPair();
    const t = transport(p.a);
    const closes: (TransportError | undefined)[] = [];
    t.on('close', (r) => closes.push(r));
    await t.open();
    await p.stop();
    await until(() => closes.length === 1);
    expect(closes[0]?.code).toBe('TRANSPORT_LINK_LOST');
    expect(t.isOpen).toBe(false);
  });
});
