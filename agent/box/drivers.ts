import { join } from 'node:path';
import { Em4100Reader } from '../devices/em4100/em4100-reader.ts';
import { HidWedgeReader } from '../devices/hid-wedge/hid-wedge-reader.ts';
import { EscposPrinter } from '../devices/printer/escpos-printer.ts';
import { JsonFileJobStore } from '../devices/printer/job-store.ts';
import { turnstileConfig } from '../devices/turnstile/config.ts';
import { ModbusTurnstile } from '../devices/turnstile/modbus-turnstile.ts';
import { DriverRegistry } from './driver-registry.ts';
import { osdpDriver } from './osdp-driver.ts';

/**
 * The drivers built into this agent, by device kind: a new driver plugs in with one
 * `register()` line here. A configured kind without a driver makes the box refuse to start
 * with BOX_NO_DRIVER naming the device.
 */
export function builtInDrivers(): DriverRegistry {
  return new DriverRegistry()
    .register('osdp', osdpDriver)
    .register('em4100', (config, ctx) => new Em4100Reader({ id: config.id, transport: ctx.transportFor(config.transport), clock: ctx.clock, logger: ctx.logger }))
    .register('hid-wedge', (config, ctx) => new HidWedgeReader({ id: config.id, transport: ctx.transportFor(config.transport), clock: ctx.clock, logger: ctx.logger }))
    .register('printer', (config, ctx) =>
      new EscposPrinter({
        id: config.id,
        transport: ctx.transportFor(config.transport),
        clock: ctx.clock,
        logger: ctx.logger,
        // The print queue survives a restart next to the journal.
        store: new JsonFileJobStore(join(ctx.dataDir, `print-queue-${config.id}.json`)),
        ...(config.columns === undefined ? {} : { layout: { columns: config.columns } }),
      }),
    )
    .register('turnstile', (config, ctx) => {
      const settings = turnstileConfig({
        id: config.id,
        unit: config.address,
        mode: config.mode,
        pulseMs: config.pulseMs,
        windowMs: config.passageWindowMs,
        coils: config.coils,
        inputs: config.inputs,
        ...(config.pollMs === undefined ? {} : { pollIntervalMs: config.pollMs }),
        ...(config.moduleWatchdog === undefined ? {} : { moduleWatchdog: config.moduleWatchdog }),
      });
      // The turnstile owns its bus's link (config rule: one I/O module per bus).
      return new ModbusTurnstile(settings, { transport: ctx.bus(config.bus, (transport) => transport), clock: ctx.clock, logger: ctx.logger });
    });
}
