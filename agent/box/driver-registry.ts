import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { DeviceConfig, DeviceConfigKind } from '../config/schema.ts';
import type { Device } from '../devices/device.ts';
import type { Printer } from '../devices/printer-port.ts';
import type { Reader } from '../devices/reader.ts';
import type { Turnstile } from '../devices/turnstile-port.ts';
import type { Transport, TransportConfig } from '../transport/transport.ts';

/** What a driver factory gets from the composition root besides its own configuration. */
export interface DriverContext {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Absolute data directory (key files named by `file:` key refs live under it). */
  readonly dataDir: string;
  /** A new, unopened transport for a device's own `transport` field; the driver opens it. */
  transportFor(config: TransportConfig): Transport;
  /**
   * One object per shared bus (an OSDP control panel, a Modbus master), created on the
   * first call for that bus from the bus's transport and shared by every device on it.
   */
  bus<T>(busId: string, create: (transport: Transport) => T): T;
  /** Every configured device on a bus (a control panel must know all its readers up front). */
  devicesOnBus(busId: string): readonly DeviceConfig[];
}

export type DeviceOfKind<K extends DeviceConfigKind> = K extends 'turnstile' ? Turnstile : K extends 'printer' ? Printer : Reader;

export type DriverFactory<K extends DeviceConfigKind> = (config: Extract<DeviceConfig, { kind: K }>, context: DriverContext) => DeviceOfKind<K>;

/**
 * Driver factories keyed by device kind. The composition root looks every configured
 * device up here; a driver plugs in with one `register()` call (agent/box/drivers.ts),
 * and tests register fakes or simulator-backed drivers the same way.
 */
export class DriverRegistry {
  private readonly factories = new Map<DeviceConfigKind, (config: DeviceConfig, context: DriverContext) => Device>();

  register<K extends DeviceConfigKind>(kind: K, factory: DriverFactory<K>): this {
    // The map is keyed by kind, so a factory only ever receives configurations of its own kind.
    this.factories.set(kind, factory as unknown as (config: DeviceConfig, context: DriverContext) => Device);
    return this;
  }

  has(kind: DeviceConfigKind): boolean {
    return this.factories.has(kind);
  }

  kinds(): DeviceConfigKind[] {
    return [...this.factories.keys()];
  }

  /** Builds the device, or undefined when no driver is registered for its kind. */
  create(config: DeviceConfig, context: DriverContext): Device | undefined {
    return this.factories.get(config.kind)?.(config, context);
  }
}
