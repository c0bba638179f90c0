import { mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { UsbLpTransport } from '../../agent/transport/usblp.ts';
import { startPtyPair, type PtyPair } from '../support/socat.ts';
import { transportContract, type ContractPeer } from './transport.contract.ts';

/**
 * The printer end of a socat pty pair standing in for /dev/usb/lp0. The transport opens a
 * symlink that the harness points at the current pair, so a "replugged" printer (a new
 * pair) appears under the same path, as udev's /dev/usb/lp0 would.
 */
class LpPeer implements ContractPeer {
  private pair: PtyPair | undefined;
  private port: SerialPort | undefined;
  private listeners = new Set<(chunk: Uint8Array) => void>();
  readonly dir = mkdtempSync(join(tmpdir(), 'resabox-usblp-contract-'));
  readonly path = join(this.dir, 'lp0');

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

transportContract('UsbLpTransport over a socat pty pair', async () => {
  const peer = new LpPeer();
  await peer.plug();
  const transport = new UsbLpTransport(peer.path);
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
