import { builtInDrivers } from '../../agent/box/drivers.ts';
import { MockTransport } from '../../agent/transport/mock.ts';
import type { TransportConfig } from '../../agent/transport/transport.ts';
import type { Clock } from '../../platform/clock.ts';
import { CoilTurnstile } from './test-turnstile.ts';

/**
 * The agent's own driver registry over named MockTransports: `link(name)` is the device end
 * of the transport a config names `{ kind: mock, name }`, for a simulator to attach to.
 * With `turnstile: 'test'` (default) kind `turnstile` is the byte-level test turnstile of
 * test-turnstile.ts (benchmarks time its open command); with 'modbus' it is the real driver.
 */
export function testDriverBox(clock: Clock, options: { turnstile: 'test' | 'modbus' } = { turnstile: 'test' }) {
  const mocks = new Map<string, MockTransport>();
  const transport = (name: string) => {
    let t = mocks.get(name);
    if (!t) mocks.set(name, (t = new MockTransport(name)));
    return t;
  };
  const turnstiles = new Map<string, CoilTurnstile>();
  const createTransport = (config: TransportConfig) => {
    if (config.kind !== 'mock') throw new Error(`test boxes use mock transports only, not ${config.kind}`);
    return transport(config.name);
  };
  const drivers = builtInDrivers();
  if (options.turnstile === 'test') {
    drivers.register('turnstile', (config, ctx) =>
      ctx.bus(config.bus, (t) => {
        const turnstile = new CoilTurnstile(config.id, t, clock, config.passageWindowMs);
        turnstiles.set(config.id, turnstile);
        return turnstile;
      }),
    );
  }
  return { drivers, createTransport, transport, link: (name: string) => transport(name).device, turnstiles };
}
