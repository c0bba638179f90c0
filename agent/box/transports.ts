import { SerialTransport } from '../transport/serial.ts';
import { TcpTransport } from '../transport/tcp.ts';
import type { Transport, TransportConfig } from '../transport/transport.ts';

/**
 * Builds the (unopened) transport a configuration names. Serial and TCP exist in this
 * build; HID comes with agent/transport/hid.ts, and mock links exist only inside tests,
 * which pass their own factory.
 */
export function createBoxTransport(config: TransportConfig): Transport {
  switch (config.kind) {
    case 'serial': {
      const { kind: _kind, ...serial } = config;
      return new SerialTransport(serial);
    }
    case 'tcp':
      return new TcpTransport(config.host, config.port);
    case 'hid':
      throw new Error(`HID transport (${config.vendorId.toString(16)}:${config.productId.toString(16)}) is not available in this build`);
    case 'mock':
      throw new Error(`mock transport "${config.name}" exists only in tests`);
  }
}
