import { DriverRegistry } from './driver-registry.ts';
import { osdpDriver } from './osdp-driver.ts';

/**
 * The drivers built into this agent, by device kind. Each driver adds its one
 * `register()` line here when it lands (em4100, hid-wedge, turnstile, printer still to
 * come); until then the box refuses to start with BOX_NO_DRIVER naming the device.
 */
export function builtInDrivers(): DriverRegistry {
  return new DriverRegistry().register('osdp', osdpDriver);
}
