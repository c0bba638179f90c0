import { join } from 'node:path';
import { Em4100Reader } from '../devices/em4100/em4100-reader.ts';
import { HidWedgeReader } from '../devices/hid-wedge/hid-wedge-reader.ts';
import { EscposPrinter } from '../devices/printer/escpos-printer.ts';
import { JsonFileJobStore } from '../devices/printer/job-store.ts';
import { DriverRegistry } from './driver-registry.ts';
import { osdpDriver } from './osdp-driver.ts';

/**
 * The drivers built into this agent, by device kind. Each driver adds its one
 * `register()` line here when it lands (the turnstile is still to come); until then the
 * box refuses to start with BOX_NO_DRIVER naming the device.
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
    );
}
