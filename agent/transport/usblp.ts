import { close as fsClose, constants, open as fsOpen, read as fsRead, write as fsWrite } from 'node:fs';
import { transportError } from './errors.ts';
import { TransportListeners } from './listeners.ts';
import type { Transport, TransportError } from './transport.ts';

export interface UsbLpOptions {
  /**
   * Longest read poll period when the device has nothing to say (ms). Polling restarts
   * at 1 ms after every write and every chunk read, then backs off to this.
   */
  readonly idlePollMs?: number;
}

/** errno codes that mean the device is gone (unplugged, pty peer closed). */
const GONE = new Set(['EIO', 'ENODEV', 'ENXIO', 'EBADF', 'EPIPE']);
/** Consecutive empty reads (no EAGAIN between) taken as a hang-up. */
const HANGUP_ZERO_READS = 20;

/**
 * A bidirectional character device opened with node:fs: the Linux USB printer class
 * device (/dev/usb/lp0), and also a FIFO or a pty. The fd is non-blocking and read by
 * polling, so a silent printer never parks a libuv pool thread in read(2) (the pool has
 * only four) and close() never waits on a blocked read.
 */
export class UsbLpTransport implements Transport {
  readonly description: string;
  private fd: number | undefined;
  private listeners = new TransportListeners();
  private closing = false;
  private opening = false;
  private readTimer: NodeJS.Timeout | undefined;
  private reading = false;
  private writeChain: Promise<void> = Promise.resolve();
  private readonly idlePollMs: number;
  private readonly readBuf = Buffer.alloc(4096);
  private idleDelay = 1;
  private zeroReads = 0;

  constructor(
    private readonly path: string,
    options: UsbLpOptions = {},
  ) {
    this.description = `usblp:${path}`;
    this.idlePollMs = options.idlePollMs ?? 20;
  }

  get isOpen(): boolean {
    return this.fd !== undefined && !this.closing;
  }

  async open(): Promise<void> {
    if (this.fd !== undefined || this.opening) throw transportError('TRANSPORT_ALREADY_OPEN', `${this.description} is already open`);
    const flags = constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOCTTY;
    this.opening = true;
    try {
      this.fd = await new Promise<number>((resolve, reject) =>
        fsOpen(this.path, flags, (e, fd) => (e ? reject(transportError('TRANSPORT_OPEN_FAILED', `${this.description}: ${e.message}`, e)) : resolve(fd))),
      );
    } finally {
      this.opening = false;
    }
    this.closing = false;
    this.zeroReads = 0;
    this.writeChain = Promise.resolve();
    this.scheduleRead(0);
  }

  write(data: Uint8Array): Promise<void> {
    if (!this.isOpen) return Promise.reject(transportError('TRANSPORT_NOT_OPEN', `${this.description} is not open`));
    if (data.length === 0) return Promise.resolve();
    const copy = Buffer.from(data);
    const run = this.writeChain.then(() => this.writeAll(copy));
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.fd === undefined || this.closing) return;
    await this.shutdown(undefined);
  }

  on(event: 'data', listener: (chunk: Uint8Array) => void): () => void;
  on(event: 'close', listener: (reason?: TransportError) => void): () => void;
  on(event: 'error', listener: (error: TransportError) => void): () => void;
  on(event: 'data' | 'close' | 'error', listener: (arg: never) => void): () => void {
    return this.listeners.add(event, listener);
  }

  private async writeAll(buf: Buffer): Promise<void> {
    let off = 0;
    while (off < buf.length) {
      const fd = this.fd;
      if (fd === undefined || this.closing) throw transportError('TRANSPORT_CLOSED', `${this.description} closed before the write completed`);
      const n = await new Promise<number>((resolve, reject) =>
        fsWrite(fd, buf, off, buf.length - off, null, (e, written) => {
          if (!e) return resolve(written);
          // The device buffer is full (a printer busy printing): try again shortly.
          if (e.code === 'EAGAIN') return resolve(0);
          const te = transportError(GONE.has(e.code ?? '') ? 'TRANSPORT_CLOSED' : 'TRANSPORT_WRITE_FAILED', `${this.description}: ${e.message}`, e);
          if (te.code === 'TRANSPORT_CLOSED') void this.lost(e);
          else this.listeners.emitError(te);
          reject(te);
        }),
      );
      off += n;
      if (n === 0) await new Promise((r) => setTimeout(r, this.idlePollMs));
    }
    // A reply usually follows a request: look for it soon.
    this.idleDelay = 1;
    if (!this.reading && this.fd !== undefined && !this.closing) {
      clearTimeout(this.readTimer);
      this.scheduleRead(1);
    }
  }

  private scheduleRead(delayMs: number): void {
    if (this.fd === undefined || this.closing) return;
    this.readTimer = setTimeout(() => this.readOnce(), delayMs);
  }

  private readOnce(): void {
    const fd = this.fd;
    if (fd === undefined || this.closing) return;
    this.reading = true;
    fsRead(fd, this.readBuf, 0, this.readBuf.length, null, (e, n) => {
      this.reading = false;
      if (this.closing) return;
      if (e) {
        this.zeroReads = 0;
        if (e.code === 'EAGAIN') return this.idle();
        return void this.lost(e);
      }
      if (n === 0) {
        // A hung-up tty reads 0 forever; usblp may read 0 once for an empty USB packet.
        if (++this.zeroReads >= HANGUP_ZERO_READS) return void this.lost(Object.assign(new Error('end of file (device hung up)'), { code: 'EOF' }));
        return this.scheduleRead(this.idleDelay);
      }
      this.zeroReads = 0;
      this.idleDelay = 1;
      this.listeners.emitData(Uint8Array.from(this.readBuf.subarray(0, n)));
      this.scheduleRead(0);
    });
  }

  private idle(): void {
    this.scheduleRead(this.idleDelay);
    this.idleDelay = Math.min(this.idleDelay * 2, this.idlePollMs);
  }

  private async lost(e: NodeJS.ErrnoException): Promise<void> {
    if (this.fd === undefined || this.closing) return;
    await this.shutdown(transportError('TRANSPORT_LINK_LOST', `${this.description}: ${e.message}`, e));
  }

  private async shutdown(reason: TransportError | undefined): Promise<void> {
    this.closing = true;
    clearTimeout(this.readTimer);
    // A non-blocking read returns at once; wait for it so the fd is not closed under it.
    while (this.reading) await new Promise((r) => setImmediate(r));
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) await new Promise<void>((resolve) => fsClose(fd, () => resolve()));
    this.closing = false;
    this.listeners.emitClose(reason);
  }
}
