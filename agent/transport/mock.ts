import { transportError } from './errors.ts';
import { TransportListeners } from './listeners.ts';
import type { Transport, TransportError } from './transport.ts';

/**
 * The device side of a mock link: what a simulator (firmware-sim) or a unit test holds.
 * Its shape matches firmware-sim's SimLink structurally, so simulators attach to it directly.
 */
export interface MockDeviceEnd {
  /** Sends bytes from the device to the driver (delivered asynchronously, after `latencyMs`). */
  write(data: Uint8Array): void;
  /** Bytes the driver wrote, chunk by chunk, as they arrive at the device. */
  onData(listener: (chunk: Uint8Array) => void): () => void;
  /** Every chunk the driver wrote since the last reset. */
  readonly recording: Uint8Array[];
  readonly lastWrite: Uint8Array | undefined;
  reset(): void;
}

export interface MockFaults {
  /** Delay, in ms, before bytes cross the link in either direction (0 = next macrotask). */
  latencyMs: number;
  /** The next `open()` fails with TRANSPORT_OPEN_FAILED. */
  failNextOpen: boolean;
  /** The next `write()` fails with TRANSPORT_WRITE_FAILED (the link stays up). */
  failNextWrite: boolean;
}

/**
 * An in-memory Transport that enforces the same contract as the real ones
 * (see transport.ts): open/close state, ordered async delivery, write rejections,
 * one close notification per open, link loss.
 */
export class MockTransport implements Transport {
  readonly description: string;
  readonly device: MockDeviceEnd;
  readonly faults: MockFaults = { latencyMs: 0, failNextOpen: false, failNextWrite: false };
  private listeners = new TransportListeners();
  private deviceListeners = new Set<(chunk: Uint8Array) => void>();
  private open_ = false;
  private opening = false;
  private recording_: Uint8Array[] = [];
  private inFlight = new Set<NodeJS.Timeout>();

  constructor(name = 'mock') {
    this.description = `mock:${name}`;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the getters below must read this transport's live state
    const self = this;
    this.device = {
      write: (data) => self.deliverToDriver(data),
      onData: (listener) => {
        self.deviceListeners.add(listener);
        return () => self.deviceListeners.delete(listener);
      },
      get recording() {
        return self.recording_;
      },
      get lastWrite() {
        return self.recording_[self.recording_.length - 1];
      },
      reset: () => {
        self.recording_ = [];
      },
    };
  }

  get isOpen(): boolean {
    return this.open_;
  }

  async open(): Promise<void> {
    if (this.open_ || this.opening) throw transportError('TRANSPORT_ALREADY_OPEN', `${this.description} is already open`);
    this.opening = true;
    try {
      await Promise.resolve();
      if (this.faults.failNextOpen) {
        this.faults.failNextOpen = false;
        throw transportError('TRANSPORT_OPEN_FAILED', `${this.description}: open failed (injected)`);
      }
      this.open_ = true;
    } finally {
      this.opening = false;
    }
  }

  write(data: Uint8Array): Promise<void> {
    if (!this.open_) return Promise.reject(transportError('TRANSPORT_NOT_OPEN', `${this.description} is not open`));
    if (this.faults.failNextWrite) {
      this.faults.failNextWrite = false;
      const e = transportError('TRANSPORT_WRITE_FAILED', `${this.description}: write failed (injected)`);
      this.listeners.emitError(e);
      return Promise.reject(e);
    }
    if (data.length === 0) return Promise.resolve();
    const copy = Uint8Array.from(data);
    return new Promise((resolve, reject) => {
      this.later(() => {
        if (!this.open_) return reject(transportError('TRANSPORT_CLOSED', `${this.description} closed before the write completed`));
        this.recording_.push(copy);
        for (const l of [...this.deviceListeners]) l(copy);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.shutdown(undefined);
  }

  /** Simulates a pulled cable / unplugged device: the driver sees a close with TRANSPORT_LINK_LOST. */
  loseLink(): void {
    this.shutdown(transportError('TRANSPORT_LINK_LOST', `${this.description}: link lost`));
  }

  on(event: 'data', listener: (chunk: Uint8Array) => void): () => void;
  on(event: 'close', listener: (reason?: TransportError) => void): () => void;
  on(event: 'error', listener: (error: TransportError) => void): () => void;
  on(event: 'data' | 'close' | 'error', listener: (arg: never) => void): () => void {
    return this.listeners.add(event, listener);
  }

  private deliverToDriver(data: Uint8Array): void {
    if (data.length === 0) return;
    const copy = Uint8Array.from(data);
    this.later(() => {
      if (this.open_) this.listeners.emitData(copy);
    });
  }

  private shutdown(reason: TransportError | undefined): void {
    if (!this.open_) return;
    this.open_ = false;
    this.listeners.emitClose(reason);
  }

  private later(fn: () => void): void {
    // Writes and deliveries keep their order because timers with equal delay fire in creation order.
    const t = setTimeout(() => {
      this.inFlight.delete(t);
      fn();
    }, this.faults.latencyMs);
    this.inFlight.add(t);
  }
}
