import { Socket } from 'node:net';
import { transportError } from './errors.ts';
import { TransportListeners } from './listeners.ts';
import type { Transport, TransportError } from './transport.ts';

/**
 * A TCP client link: serial-to-Ethernet converters (RS-485 over TCP), printers on raw
 * port 9100, and simulators listening on a TCP port.
 */
export class TcpTransport implements Transport {
  readonly description: string;
  private socket: Socket | undefined;
  private listeners = new TransportListeners();
  private closing = false;
  /** An open in progress: a second open() must not make a second connection. */
  private opening = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly connectTimeoutMs = 3000,
  ) {
    this.description = `tcp:${host}:${port}`;
  }

  get isOpen(): boolean {
    return this.socket !== undefined;
  }

  async open(): Promise<void> {
    if (this.socket || this.opening) throw transportError('TRANSPORT_ALREADY_OPEN', `${this.description} is already open`);
    this.opening = true;
    const socket = new Socket();
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(transportError('TRANSPORT_OPEN_FAILED', `${this.description}: connect timed out after ${this.connectTimeoutMs} ms`));
      }, this.connectTimeoutMs);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(transportError('TRANSPORT_OPEN_FAILED', `${this.description}: ${e.message}`, e));
      });
      socket.connect(this.port, this.host, () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve();
      });
    }).finally(() => {
      this.opening = false;
    });
    this.socket = socket;
    this.closing = false;
    let lastError: Error | undefined;
    socket.on('data', (chunk) => this.listeners.emitData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    socket.on('error', (e) => {
      lastError = e;
    });
    socket.once('close', () => {
      this.socket = undefined;
      const reason: TransportError | undefined = this.closing
        ? undefined
        : transportError('TRANSPORT_LINK_LOST', `${this.description}: ${lastError?.message ?? 'peer closed the connection'}`, lastError);
      this.listeners.emitClose(reason);
    });
  }

  write(data: Uint8Array): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(transportError('TRANSPORT_NOT_OPEN', `${this.description} is not open`));
    if (data.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      socket.write(data, (e) => {
        // Node calls back without an error for bytes still queued when the socket is destroyed,
        // so a destroyed socket, not the error, says the write did not complete.
        if (socket.destroyed) return reject(transportError('TRANSPORT_CLOSED', `${this.description} closed before the write completed`, e ?? undefined));
        if (e) return reject(transportError('TRANSPORT_WRITE_FAILED', `${this.description}: ${e.message}`, e));
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.closing = true;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }

  on(event: 'data', listener: (chunk: Uint8Array) => void): () => void;
  on(event: 'close', listener: (reason?: TransportError) => void): () => void;
  on(event: 'error', listener: (error: TransportError) => void): () => void;
  on(event: 'data' | 'close' | 'error', listener: (arg: never) => void): () => void {
    return this.listeners.add(event, listener);
  }
}
