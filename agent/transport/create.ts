import { HidTransport, openNodeHidDevice, type HidDeviceOpener } from './hid.ts';
import type { MockTransport } from './mock.ts';
import { SerialTransport } from './serial.ts';
import { TcpTransport } from './tcp.ts';
import type { Transport, TransportConfig } from './transport.ts';

export interface TransportFactoryOptions {
  /** Mock transports by name, for demos and tests (a config `{ kind: 'mock', name }` picks one). */
  mocks?: ReadonlyMap<string, MockTransport>;
  /** Replaces node-hid (tests and simulators). */
  openHidDevice?: HidDeviceOpener;
}

export type CreateTransportErrorCode = 'TRANSPORT_CONFIG_UNKNOWN_MOCK';

export class TransportConfigError extends Error {
  constructor(
    readonly code: CreateTransportErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TransportConfigError';
  }
}

/**
 * Builds the transport a device's configuration names. Nothing is opened and no native module
 * is loaded here: serialport and node-hid are imported by open(), so only configured kinds load.
 */
export function createTransport(config: TransportConfig, options: TransportFactoryOptions = {}): Transport {
  switch (config.kind) {
    case 'serial': {
      const { kind: _kind, ...serial } = config;
      return new SerialTransport(serial);
    }
    case 'tcp':
      return new TcpTransport(config.host, config.port);
    case 'hid':
      return new HidTransport({ vendorId: config.vendorId, productId: config.productId, ...(config.serialNumber ? { serialNumber: config.serialNumber } : {}) }, options.openHidDevice ?? openNodeHidDevice);
    case 'mock': {
      const mock = options.mocks?.get(config.name);
      if (!mock) throw new TransportConfigError('TRANSPORT_CONFIG_UNKNOWN_MOCK', `no mock transport named "${config.name}" was registered`);
      return mock;
    }
  }
}
