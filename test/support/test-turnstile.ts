import type { Clock } from '../../platform/clock.ts';
import type { DeviceStatus } from '../../agent/devices/device.ts';
import type { Direction, PassageOutcome, Turnstile, TurnstileEvent } from '../../agent/devices/turnstile-port.ts';
import type { MockDeviceEnd } from '../../agent/transport/mock.ts';
import type { Transport } from '../../agent/transport/transport.ts';

/**
 * A minimal byte-level turnstile driver over a Transport, for tests and benchmarks that
 * need the real byte path while the Modbus turnstile driver is not merged: it sends a Modbus
 * RTU FC05 write-single-coil frame to open and takes a 'P' byte from the device as the PASS
 * input; nobody passing within the window is 'not-passed'.
 */
abstract class ByteDevice<K extends 'turnstile'> {
  protected state: DeviceStatus['state'] = 'starting';
  constructor(
    readonly id: string,
    readonly kind: K,
    protected readonly transport: Transport,
  ) {}
  async start(): Promise<void> {
    await this.transport.open();
    this.state = 'online';
  }
  async stop(): Promise<void> {
    await this.transport.close();
    this.state = 'offline';
  }
  status(): DeviceStatus {
    return { deviceId: this.id, kind: this.kind, state: this.state, since: 0 };
  }
  onStatus(): () => void {
    return () => undefined;
  }
}

/** Modbus RTU CRC-16 (poly 0xA001 reflected, init 0xFFFF), low byte first on the wire. */
function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

export function writeCoilFrame(address: number, coil: number, on: boolean): Uint8Array {
  const body = Uint8Array.of(address, 0x05, coil >> 8, coil & 0xff, on ? 0xff : 0x00, 0x00);
  const crc = crc16(body);
  return Uint8Array.of(...body, crc & 0xff, crc >> 8);
}

export class CoilTurnstile extends ByteDevice<'turnstile'> implements Turnstile {
  /** Clock.monotonic() just before the last open command was handed to the transport. */
  lastOpenWriteAt = 0;
  /** process.cpuUsage() at the same moment (benchmarks: CPU time spent on the lane path). */
  lastOpenWriteCpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  private lockdown = false;
  private pending: ((o: PassageOutcome) => void) | undefined;
  private readonly listeners = new Set<(e: TurnstileEvent) => void>();

  constructor(
    id: string,
    transport: Transport,
    private readonly clock: Clock,
    private readonly windowMs: number,
  ) {
    super(id, 'turnstile', transport);
    transport.on('data', (chunk) => {
      if (chunk.includes(0x50 /* P */)) this.settle({ kind: 'passed', at: this.clock.now() });
    });
  }

  open(direction: Direction): Promise<PassageOutcome> {
    if (this.lockdown) return Promise.resolve({ kind: 'refused', code: 'LOCKDOWN', message: 'lock-down active' });
    if (this.pending) return Promise.resolve({ kind: 'refused', code: 'BUSY', message: 'a passage is in progress' });
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => this.settle({ kind: 'not-passed' }), this.windowMs);
      this.pending = (o) => {
        this.clock.clearTimeout(timer);
        resolve(o);
      };
      this.lastOpenWriteAt = this.clock.monotonic();
      this.lastOpenWriteCpu = process.cpuUsage();
      this.transport.write(writeCoilFrame(1, direction === 'in' ? 0 : 1, true)).catch((e: Error) => this.settle({ kind: 'refused', code: 'OUT_OF_SERVICE', message: e.message }));
    });
  }

  setLockdown(on: boolean): void {
    this.lockdown = on;
  }

  onEvent(listener: (e: TurnstileEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private settle(outcome: PassageOutcome): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.(outcome);
  }
}

/** The device side: a person who walks through `afterMs` after the open frame (or never). */
export function personAtTurnstile(device: MockDeviceEnd, walksThrough: () => boolean, afterMs = 0): void {
  device.onData((chunk) => {
    if (chunk[1] !== 0x05 || !walksThrough()) return;
    setTimeout(() => device.write(Uint8Array.of(0x50)), afterMs);
  });
}
