import { randomBytes } from 'node:crypto';
import type { DeviceConfig } from '../config/schema.ts';
import { OsdpControlPanel, type OsdpReaderConfig } from '../devices/osdp/control-panel.ts';
import type { DriverContext, DriverFactory } from './driver-registry.ts';
import { lookupKey, storeKey } from './key-ref.ts';

type OsdpDeviceConfig = Extract<DeviceConfig, { kind: 'osdp' }>;

/**
 * The reader's PdLink settings from its configuration: a known key (scbk); or, when the key
 * is missing and install mode is allowed, a fresh random key to KEYSET after opening the
 * channel with SCBK-D; or no secure channel at all when none is configured.
 */
function readerConfig(device: OsdpDeviceConfig, dataDir: string): OsdpReaderConfig {
  const sc = device.secureChannel;
  if (!sc) return { id: device.id, address: device.address, secureChannel: false };
  const found = lookupKey(sc.keyRef, dataDir);
  if (found.kind === 'key') return { id: device.id, address: device.address, scbk: found.key };
  if (!sc.allowInstallMode) throw new Error(`secure channel key not found (${found.where}) and allowInstallMode is off`);
  return { id: device.id, address: device.address, installKey: new Uint8Array(randomBytes(16)) };
}

/** One OSDP control panel per bus, shared by the readers on it; each device is one of its readers. */
export const osdpDriver: DriverFactory<'osdp'> = (device, context: DriverContext) => {
  const panel = context.bus(device.bus, (transport) => {
    const onBus = context.devicesOnBus(device.bus).filter((d): d is OsdpDeviceConfig => d.kind === 'osdp');
    const cp = new OsdpControlPanel({ transport, clock: context.clock, logger: context.logger.child({ bus: device.bus }), readers: onBus.map((d) => readerConfig(d, context.dataDir)) });
    cp.onKeyInstalled((readerId, key) => {
      const ref = onBus.find((d) => d.id === readerId)?.secureChannel?.keyRef;
      if (!ref) return;
      try {
        storeKey(ref, context.dataDir, key);
        context.logger.info({ reader: readerId }, 'OSDP reader provisioned with its own secure channel key');
      } catch (e) {
        context.logger.error({ err: e, reader: readerId }, 'OSDP key installed in the reader but could not be stored');
      }
    });
    return cp;
  });
  return panel.reader(device.id);
};
