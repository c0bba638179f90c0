import { Em4100Reader } from '../devices/em4100/em4100-reader.ts';
import { HidWedgeReader } from '../devices/hid-wedge/hid-wedge-reader.ts';
import { DriverRegistry } from './driver-registry.ts';
import { osdpDriver } from './osdp-driver.ts';

/**
 * The drivers built into this agent, by device kind. Each driver adds its one
 * `register()` line here when it lands (turnstile and printer still to come); until then
 * the box refuses to start with BOX_NO_DRIVER naming the device.
 */
export function builtInDrivers(): DriverRegistry {
  return new DriverRegistry()
    .register('osdp', osdpDriver)
    .register('em4100', (config, ctx) => new Em4100Reader({ id: config.id, transport: ctx.transportFor(config.transport), clock: ctx.clock, logger: ctx.logger }))
    .register('hid-wedge', (config, ctx) => new HidWedgeReader({ id: config.id, transport: ctx.transportFor(config.transport), clock: ctx.clock, logger: ctx.logger }));
}
