import { mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { SerialTransport } from '../../agent/transport/serial.ts';
import { startPtyPair, type PtyPair } from '../support/socat.ts';
import { describe, expect, it } from 'vitest';
import { eventually, transportContract, type ContractPeer } from './transport.contract.ts';

/**
 * The device end of a socat pty pair. The transport opens a symlink that the harness points at
 * the current pair, so that a "replugged" device (a new pair) appears under the same path.
 */
class PtyPeer implements ContractPeer {
  private pair: PtyPair | undefined;
  private port: SerialPort | undefined;
  private listeners = new Set<(chunk: Uint8Array) => void>();
  readonly dir = mkdtempSync(join(tmpdir(), 'resabox-serial-contract-'));
  readonly path = join(this.dir, 'reader');

  async plug(): Promise<void> {
    const pair = await startPtyPair();
    this.pair = pair;
    symlinkSync(pair.a, this.path);
    const port = new SerialPort({ path: pair.b, baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    port.on('data', (chunk: Buffer) => {
      for (const l of [...this.listeners]) l(new Uint8Array(chunk));
    });
    port.on('error', () => undefined);
    this.port = port;
  }

  async unplug(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    await this.pair?.stop();
    this.pair = undefined;
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }

  get plugged(): boolean {
    return this.pair !== undefined;
  }

  write(data: Uint8Array): void {
    this.port?.write(Buffer.from(data));
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stopReading(): void {
    this.port?.pause();
  }

  async dispose(): Promise<void> {
    await this.unplug();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

transportContract('SerialTransport over a socat pty pair', async () => {
  const peer = new PtyPeer();
  await peer.plug();
  const transport = new SerialTransport({ path: peer.path, baudRate: 9600 });
  return {
    transport,
    peer: () => peer,
    loseLink: () => peer.unplug(),
    makeUnreachable: () => peer.unplug(),
    restore: async () => {
      if (!peer.plugged) await peer.plug();
    },
    stallWrites: async () => {
      peer.stopReading();
      // More than the pty and socat buffers hold, so the write stays pending.
      return new Uint8Array(4 * 1024 * 1024);
    },
    dispose: () => peer.dispose(),
  };
});

describe('SerialTransport: device node watch', () => {
  // After a tty hang-up Linux returns 0-byte reads, and serialport reports no disconnect when
  // no read was pending at that moment; the transport also watches the device node. Removing
  // only the name (the pty stays up) shows that this path alone reports the loss.
  it('reports TRANSPORT_LINK_LOST when the device node disappears, and reopens once it is back', async () => {
    const peer = new PtyPeer();
    await peer.plug();
    const transport = new SerialTransport({ path: peer.path, baudRate: 9600 });
    const closes: (string | undefined)[] = [];
    transport.on('close', (reason) => closes.push(reason?.message));
    try {
      await transport.open();
      unlinkSync(peer.path);
      await eventually('the loss of the device node', () => closes.length === 1);
      expect(closes[0]).toMatch(/is gone \(ENOENT\)/);
      expect(transport.isOpen).toBe(false);
      await peer.unplug();
      await peer.plug();
      await transport.open();
      expect(transport.isOpen).toBe(true);
    } finally {
      await transport.close();
      await peer.dispose();
    }
  });
});
