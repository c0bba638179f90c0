import { builtInDrivers } from '../../agent/box/drivers.ts';
import { MockTransport } from '../../agent/transport/mock.ts';
import type { TransportConfig } from '../../agent/transport/transport.ts';

/**
 * The agent's own driver registry over named MockTransports: `link(name)` is the device end
 * of the transport a config names `{ kind: mock, name }`, for a simulator to attach to, and
 * `transport(name)` the driver's end.
 */
export function testDriverBox() {
  const mocks = new Map<string, MockTransport>();
  const transport = (name: string) => {
    let t = mocks.get(name);
    if (!t) mocks.set(name, (t = new MockTransport(name)));
    return t;
  };
  const createTransport = (config: TransportConfig) => {
    if (config.kind !== 'mock') throw new Error(`test boxes use mock transports only, not ${config.kind}`);
    return transport(config.name);
  };
  return { drivers: builtInDrivers(), createTransport, transport, link: (name: string) => transport(name).device };
}
