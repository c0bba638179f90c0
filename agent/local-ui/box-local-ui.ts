import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { Box } from '../box/build-box.ts';
import type { LoadedConfig } from '../config/load.ts';
import { readDeskPin } from './desk-auth.ts';
import { startLocalUi, type LocalUi } from './local-ui.ts';
import type { TotemFeed } from './totem-feed.ts';

/**
 * The lanes the totem stands by: `localUi.totem.lanes`, else the entry lanes of the zone of
 * the box's first entry lane (a totem stands at an entrance; exits and other zones' lanes
 * are not its business). Lane id -> zone id.
 */
export function totemLanes(config: LoadedConfig['config']): Map<string, string> {
  const chosen = config.localUi.totem?.lanes;
  if (chosen) return new Map(config.lanes.filter((l) => chosen.includes(l.id)).map((l) => [l.id, l.zone]));
  const zone = (config.lanes.find((l) => l.kind === 'entry') ?? config.lanes[0])?.zone;
  return new Map(config.lanes.filter((l) => l.kind === 'entry' && l.zone === zone).map((l) => [l.id, l.zone]));
}

/**
 * The composition root's one call: the local pages of a built box, on the configured
 * `localUi` host and port (default all interfaces: the totem and the desk are other
 * machines of the club LAN), with the desk PIN its ref names.
 */
export function startBoxLocalUi(o: { box: Box; loaded: LoadedConfig; totem: TotemFeed; clock: Clock; logger: Logger; port?: number }): Promise<LocalUi> {
  const { config, dataDir } = o.loaded;
  const deskPin = readDeskPin(config.localUi.deskPinRef, dataDir);
  if (!deskPin) o.logger.warn({ deskPinRef: config.localUi.deskPinRef ?? null }, 'no front-desk PIN: the desk pages refuse every login');
  return startLocalUi({
    host: config.localUi.host ?? '0.0.0.0',
    port: o.port ?? config.localUi.port,
    box: {
      boxId: config.box.id,
      boxName: config.box.name ?? config.box.id,
      lanes: o.box.lanes,
      laneSpecs: config.lanes,
      deviceConfigs: config.devices.map((d) => ({ id: d.id, kind: d.kind })),
      devices: o.box.devices,
      journal: o.box.journal,
      rights: o.box.rights,
      tickets: o.box.tickets,
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    },
    totem: { feed: o.totem, lanes: totemLanes(config), printer: config.printer !== undefined, guestPasses: (config.localUi.totem?.guestPassesPerDay ?? 1) > 0 },
    deskPin,
    clock: o.clock,
    logger: o.logger,
  });
}
