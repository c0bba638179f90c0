import { DriverRegistry, type DriverContext } from '../../agent/box/driver-registry.ts';
import { MockTransport } from '../../agent/transport/mock.ts';
import type { TransportConfig } from '../../agent/transport/transport.ts';
import type { Clock } from '../../platform/clock.ts';
import { CoilTurnstile, LineReader } from './mock-line-devices.ts';

/**
 * A driver registry of the byte-level test drivers (mock-line-devices.ts) over named
 * MockTransports: every reader kind becomes a LineReader, every turnstile a CoilTurnstile.
 * `link(name)` is the device end of the transport a config names `{ kind: mock, name }`.
 */
export function lineDriverBox(clock: Clock) {
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
  const reader = (config: { id: string; transport: TransportConfig }, ctx: DriverContext) => new LineReader(config.id, ctx.transportFor(config.transport), clock);
  const drivers = new DriverRegistry()
    .register('em4100', reader)
    .register('hid-wedge', reader)
    .register('turnstile', (config, ctx) =>
      ctx.bus(config.bus, (t) => {
        const turnstile = new CoilTurnstile(config.id, t, clock, config.passageWindowMs);
        turnstiles.set(config.id, turnstile);
        return turnstile;
      }),
    );
  return { drivers, createTransport, link: (name: string) => transport(name).device, turnstiles };
}
