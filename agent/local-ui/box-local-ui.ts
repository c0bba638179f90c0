import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { Box } from '../box/build-box.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { Printer } from '../devices/printer-port.ts';
import { readDeskPin } from './desk-auth.ts';
import { startLocalUi, type LocalUi } from './local-ui.ts';
import type { TotemFeed } from './totem-feed.ts';

/**
 * The composition root's one call: the local pages of a built box, on the configured
 * `localUi` host and port (default all interfaces: the totem and the desk are other
 * machines of the club LAN), with the desk PIN its ref names.
 */
export function startBoxLocalUi(o: { box: Box; loaded: LoadedConfig; totem: TotemFeed; clock: Clock; logger: Logger; port?: number }): Promise<LocalUi> {
  const { config, dataDir } = o.loaded;
  const printer = config.printer ? (o.box.devices.get(config.printer) as Printer | undefined) : undefined;
  const deskPin = readDeskPin(config.localUi.deskPinRef, dataDir);
  if (!deskPin) o.logger.warn({ deskPinRef: config.localUi.deskPinRef ?? null }, 'no front-desk PIN: the desk pages refuse every login');
  return startLocalUi({
    host: config.localUi.host ?? '0.0.0.0',
    port: o.port ?? config.localUi.port,
    box: { boxId: config.box.id, boxName: config.box.name ?? config.box.id, lanes: o.box.lanes, laneSpecs: config.lanes, devices: o.box.devices, journal: o.box.journal, rights: o.box.rights },
    totem: o.totem,
    ...(printer ? { printer } : {}),
    deskPin,
    clock: o.clock,
    logger: o.logger,
  });
}
