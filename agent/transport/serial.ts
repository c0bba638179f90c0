import type { SerialPort as SerialPortType } from 'serialport';
import { watchDeviceNode } from './device-node-watch.ts';
import { transportError } from './errors.ts';
import { TransportListeners } from './listeners.ts';
import type { Transport, TransportError } from './transport.ts';

export interface SerialOptions {
  path: string;
  baudRate: number;
  dataBits?: 7 | 8;
  parity?: 'none' | 'even' | 'odd';
  stopBits?: 1 | 2;
  /** RS-485 half duplex through the kernel's RS-485 mode (adapters with automatic direction control need nothing). */
  rs485?: boolean;
}

const NODE_WATCH_INTERVAL_MS = 500;

/**
 * A serial port (RS-232, RS-485 adapters, USB CDC) through node-serialport.
 * serialport is imported on first open, so a box without serial devices never loads it.
 */
export class SerialTransport implements Transport {
  readonly description: string;
  private port: SerialPortType | undefined;
  private listeners = new TransportListeners();
  private closing = false;
  /** An open in progress: a second open() must not open the port twice. */
  private opening = false;
  private stopWatch: (() => void) | undefined;
  /** Why the transport closed the port itself (its device node went away). */
  private lostBecause: string | undefined;

  constructor(private readonly options: SerialOptions) {
    this.description = `serial:${options.path}@${options.baudRate}`;
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  async open(): Promise<void> {
    if (this.port || this.opening) throw transportError('TRANSPORT_ALREADY_OPEN', `${this.description} is already open`);
    this.opening = true;
    try {
      await this.openPort();
    } finally {
      this.opening = false;
    }
  }

  private async openPort(): Promise<void> {
    let SerialPort: typeof SerialPortType;
    try {
      ({ SerialPort } = await import('serialport'));
    } catch (e) {
      throw transportError('TRANSPORT_UNAVAILABLE', `serialport could not be loaded: ${(e as Error).message}`, e);
    }
    const port = new SerialPort({
      path: this.options.path,
      baudRate: this.options.baudRate,
      dataBits: this.options.dataBits ?? 8,
      parity: this.options.parity ?? 'none',
      stopBits: this.options.stopBits ?? 1,
      autoOpen: false,
      ...(this.options.rs485 ? { rs485: { enabled: true, rtsOnSend: true, rtsAfterSend: false } } : {}),
    } as ConstructorParameters<typeof SerialPortType>[0]);
    await new Promise<void>((resolve, reject) => {
      port.open((e) => (e ? reject(transportError('TRANSPORT_OPEN_FAILED', `${this.description}: ${e.message}`, e)) : resolve()));
    });
    this.port = port;
    this.closing = false;
    this.lostBecause = undefined;
    port.on('data', (chunk: Buffer) => this.listeners.emitData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    port.on('error', (e: Error) => {
      // The write that close() cancels also surfaces here; its caller already got TRANSPORT_CLOSED.
      if (!this.closing) this.listeners.emitError(transportError('TRANSPORT_WRITE_FAILED', `${this.description}: ${e.message}`, e));
    });
    port.once('close', (e: (Error & { disconnected?: boolean }) | null) => {
      this.port = undefined;
      this.stopWatch?.();
      this.stopWatch = undefined;
      const lost: TransportError | undefined =
        this.closing && !e ? undefined : transportError('TRANSPORT_LINK_LOST', `${this.description}: ${this.lostBecause ?? e?.message ?? 'port closed'}`, e ?? undefined);
      this.listeners.emitClose(lost);
    });
    this.stopWatch = await watchDeviceNode(this.options.path, NODE_WATCH_INTERVAL_MS, (why) => {
      if (this.port !== port || this.closing) return;
      this.lostBecause = why;
      port.close();
    });
  }

  write(data: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port) return Promise.reject(transportError('TRANSPORT_NOT_OPEN', `${this.description} is not open`));
    if (data.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      port.write(Buffer.from(data), (e) => {
        // A write cancelled by close() fails before the port reports 'close': closing, not the port, tells.
        const closed = this.closing || !port.isOpen || this.port !== port;
        if (e) return reject(transportError(closed ? 'TRANSPORT_CLOSED' : 'TRANSPORT_WRITE_FAILED', `${this.description}: ${e.message}`, e));
        port.drain((e2) => (e2 ? reject(transportError('TRANSPORT_CLOSED', `${this.description}: ${e2.message}`, e2)) : resolve()));
      });
    });
  }

  async close(): Promise<void> {
    const port = this.port;
    if (!port) return;
    this.closing = true;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  on(event: 'data', listener: (chunk: Uint8Array) => void): () => void;
  on(event: 'close', listener: (reason?: TransportError) => void): () => void;
  on(event: 'error', listener: (error: TransportError) => void): () => void;
  on(event: 'data' | 'close' | 'error', listener: (arg: never) => void): () => void {
    return this.listeners.add(event, listener);
  }
}
