import { EventEmitter } from 'node:events';
import type { SimLink } from '../link.ts';

/**
 * A USB HID device on a simulated bus, for tests and demos on machines without /dev/uhid.
 * `open()` returns a handle shaped like node-hid's HIDAsync (data/error events, write, close),
 * so the agent's HidTransport takes it through its injectable opener. As a SimLink, `write()`
 * sends an input report to the host and `onData()` gives the output reports the host wrote.
 */
export class FakeHidDevice implements SimLink {
  private handle: FakeHidHandle | undefined;
  private outputListeners = new Set<(report: Uint8Array) => void>();
  private plugged_ = true;
  /** While set, host writes never complete (a device that stopped taking output reports). */
  stallWrites = false;
  /** The next host write fails (the device stays plugged). */
  failNextWrite = false;

  constructor(
    readonly vendorId: number,
    readonly productId: number,
    readonly serialNumber = 'SIM0001',
  ) {}

  get plugged(): boolean {
    return this.plugged_;
  }

  get isOpen(): boolean {
    return this.handle !== undefined;
  }

  /** What node-hid's HIDAsync.open() does: fails when the device is not on the bus. */
  async open(): Promise<FakeHidHandle> {
    await Promise.resolve();
    if (!this.plugged_) throw new Error(`cannot open device with vendor id 0x${this.vendorId.toString(16)} and product id 0x${this.productId.toString(16)}`);
    const handle = new FakeHidHandle(this, () => {
      if (this.handle === handle) this.handle = undefined;
    });
    this.handle = handle;
    return handle;
  }

  /** Sends one input report to the host, asynchronously like hidapi's read thread. Dropped when nobody has the device open. */
  write(report: Uint8Array): void {
    const handle = this.handle;
    if (!handle || !this.plugged_ || report.length === 0) return;
    const copy = Buffer.from(report);
    setImmediate(() => handle.deliver(copy));
  }

  onData(listener: (report: Uint8Array) => void): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  /** Pulls the device off the bus: the open handle gets a read error, as hidraw reports it. */
  unplug(): void {
    if (!this.plugged_) return;
    this.plugged_ = false;
    const handle = this.handle;
    this.handle = undefined;
    if (handle) setImmediate(() => handle.fail(new Error('could not read from HID device')));
  }

  plug(): void {
    this.plugged_ = true;
    this.stallWrites = false;
  }

  /** Called by a handle: a host write arriving at the device. */
  receiveOutput(report: Buffer): Promise<number> {
    if (!this.plugged_) return Promise.reject(new Error('could not write to HID device'));
    if (this.failNextWrite) {
      this.failNextWrite = false;
      return Promise.reject(new Error('could not write to HID device (injected)'));
    }
    if (this.stallWrites) return new Promise<number>(() => undefined);
    const copy = new Uint8Array(report);
    return new Promise((resolve) =>
      setImmediate(() => {
        for (const l of [...this.outputListeners]) l(copy);
        resolve(copy.length);
      }),
    );
  }
}

/** One open handle on a FakeHidDevice (the HIDAsync stand-in). */
export class FakeHidHandle extends EventEmitter {
  private closed = false;

  constructor(
    private readonly device: FakeHidDevice,
    private readonly onClosed: () => void,
  ) {
    super();
  }

  deliver(report: Buffer): void {
    if (!this.closed) this.emit('data', report);
  }

  fail(error: Error): void {
    if (!this.closed) this.emit('error', error);
  }

  write(report: Buffer): Promise<number> {
    if (this.closed) return Promise.reject(new Error('device is closed'));
    return this.device.receiveOutput(report);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.removeAllListeners();
    this.onClosed();
  }
}
