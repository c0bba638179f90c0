import type * as NodeHid from 'node-hid';
import { transportError } from './errors.ts';
import { TransportListeners } from './listeners.ts';
import type { Transport, TransportError } from './transport.ts';

export interface HidSelector {
  vendorId: number;
  productId: number;
  /** Picks one device when several of the same model are plugged in. */
  serialNumber?: string;
}

/** The part of node-hid's HIDAsync this transport uses; tests and simulators supply their own. */
export interface HidDeviceHandle {
  /** One input report per event (node-hid starts reading when a data listener is added). */
  on(event: 'data', listener: (report: Buffer) => void): unknown;
  /** A read error: on Linux hidraw this is how an unplugged device shows up. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Sends one output report; the first byte is the report id (0 when the device uses none). */
  write(report: Buffer): Promise<number>;
  close(): Promise<void>;
}

export type HidDeviceOpener = (selector: HidSelector) => Promise<HidDeviceHandle>;

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** Opens a device through node-hid, imported here so that a box without HID devices never loads it. */
export const openNodeHidDevice: HidDeviceOpener = async (selector) => {
  let hid: typeof NodeHid;
  try {
    const mod = (await import('node-hid')) as typeof NodeHid & { default?: typeof NodeHid };
    hid = mod.default ?? mod;
  } catch (e) {
    throw transportError('TRANSPORT_UNAVAILABLE', `node-hid could not be loaded: ${(e as Error).message}`, e);
  }
  if (selector.serialNumber === undefined) return hid.HIDAsync.open(selector.vendorId, selector.productId);
  const found = (await hid.devicesAsync(selector.vendorId, selector.productId)).find((d) => d.serialNumber === selector.serialNumber && d.path);
  if (!found?.path) throw new Error(`no HID device ${hex4(selector.vendorId)}:${hex4(selector.productId)} with serial number ${selector.serialNumber}`);
  return hid.HIDAsync.open(found.path);
};

interface PendingWrite {
  readonly report: Buffer;
  resolve(): void;
  reject(e: TransportError): void;
}

/**
 * A USB HID device (keyboard-wedge badge readers, QR scanners, HID relay boards) through node-hid
 * (hidraw on Linux). Each incoming chunk is one raw input report; each write() sends one output
 * report. Any read error is taken as the device being gone (unplugged): the transport closes
 * with TRANSPORT_LINK_LOST and may be reopened once the device is back.
 */
export class HidTransport implements Transport {
  readonly description: string;
  private device: HidDeviceHandle | undefined;
  private opening = false;
  private listeners = new TransportListeners();
  private queue: PendingWrite[] = [];
  /** The device a drain loop is sending to; a reopened device gets its own loop. */
  private draining: HidDeviceHandle | undefined;

  constructor(
    private readonly selector: HidSelector,
    private readonly openDevice: HidDeviceOpener = openNodeHidDevice,
  ) {
    this.description = `hid:${hex4(selector.vendorId)}:${hex4(selector.productId)}${selector.serialNumber ? `:${selector.serialNumber}` : ''}`;
  }

  get isOpen(): boolean {
    return this.device !== undefined;
  }

  async open(): Promise<void> {
    if (this.device || this.opening) throw transportError('TRANSPORT_ALREADY_OPEN', `${this.description} is already open`);
    this.opening = true;
    let device: HidDeviceHandle;
    try {
      device = await this.openDevice(this.selector);
    } catch (e) {
      if ((e as TransportError).code === 'TRANSPORT_UNAVAILABLE') throw e;
      throw transportError('TRANSPORT_OPEN_FAILED', `${this.description}: ${(e as Error).message}`, e);
    } finally {
      this.opening = false;
    }
    this.device = device;
    device.on('data', (report) => {
      if (this.device === device) this.listeners.emitData(Uint8Array.from(report));
    });
    device.on('error', (e) => {
      if (this.device === device) void this.shutdown(transportError('TRANSPORT_LINK_LOST', `${this.description}: ${e.message}`, e));
    });
  }

  write(data: Uint8Array): Promise<void> {
    if (!this.device) return Promise.reject(transportError('TRANSPORT_NOT_OPEN', `${this.description} is not open`));
    if (data.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ report: Buffer.from(data), resolve, reject });
      void this.drain();
    });
  }

  async close(): Promise<void> {
    await this.shutdown(undefined);
  }

  on(event: 'data', listener: (chunk: Uint8Array) => void): () => void;
  on(event: 'close', listener: (reason?: TransportError) => void): () => void;
  on(event: 'error', listener: (error: TransportError) => void): () => void;
  on(event: 'data' | 'close' | 'error', listener: (arg: never) => void): () => void {
    return this.listeners.add(event, listener);
  }

  /** Sends queued reports one at a time, in call order (hidapi writes are not ordered otherwise). */
  private async drain(): Promise<void> {
    const device = this.device;
    if (!device || this.draining === device) return;
    this.draining = device;
    for (let next = this.queue[0]; next && this.device === device; next = this.queue[0]) {
      try {
        await device.write(next.report);
        if (this.queue[0] === next) {
          this.queue.shift();
          next.resolve();
        }
      } catch (e) {
        // A write that close() already rejected is not reported twice.
        if (this.queue[0] !== next) continue;
        this.queue.shift();
        const failure = transportError('TRANSPORT_WRITE_FAILED', `${this.description}: ${(e as Error).message}`, e);
        this.listeners.emitError(failure);
        next.reject(failure);
      }
    }
    if (this.draining === device) this.draining = undefined;
  }

  private async shutdown(reason: TransportError | undefined): Promise<void> {
    const device = this.device;
    if (!device) return;
    this.device = undefined;
    const pending = this.queue;
    this.queue = [];
    for (const w of pending) w.reject(transportError('TRANSPORT_CLOSED', `${this.description} closed before the write completed`));
    // An unplugged device may refuse (or be slow) to close; it is gone either way, so a lost
    // link is reported at once. A requested close waits until the device is released.
    const released = device.close().catch(() => undefined);
    if (!reason) await released;
    this.listeners.emitClose(reason);
  }
}
