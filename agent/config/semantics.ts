import { configError, describeValue, type ConfigError } from './errors.ts';
import type { BoxConfig, DeviceConfig } from './schema.ts';
import { DEFAULT_POLL_INTERVAL_MS, watchdogFloorMs } from '../devices/turnstile/config.ts';

const READER_KINDS: ReadonlySet<DeviceConfig['kind']> = new Set(['osdp', 'em4100', 'hid-wedge']);

/**
 * Rules the schema cannot express: unique ids, references that resolve to the right kind
 * of device, one owner per reader / turnstile / bus address / serial port.
 */
export function checkSemantics(config: BoxConfig): ConfigError[] {
  const errors: ConfigError[] = [];
  const devices = new Map<string, DeviceConfig>();
  const buses = new Map<string, { protocol?: 'osdp' | 'modbus'; addresses: Map<number, string> }>();
  const ports = new Map<string, string>();

  const claimPort = (transport: { kind: string; path?: string; host?: string; port?: number }, owner: string, path: string) => {
    const key = transport.kind === 'serial' ? `serial:${transport.path}` : transport.kind === 'tcp' ? `tcp:${transport.host}:${transport.port}` : undefined;
    if (!key) return;
    const other = ports.get(key);
    if (other) errors.push(configError('CONFIG_CONFLICT', path, `a link not already used by ${other}`, describeValue(key)));
    else ports.set(key, owner);
  };

  (config.buses ?? []).forEach((bus, i) => {
    if (buses.has(bus.id)) errors.push(configError('CONFIG_DUPLICATE_ID', `buses[${i}].id`, 'a bus id used once', describeValue(bus.id)));
    buses.set(bus.id, { addresses: new Map() });
    claimPort(bus.transport, `bus "${bus.id}"`, `buses[${i}].transport`);
  });

  config.devices.forEach((device, i) => {
    const at = `devices[${i}]`;
    if (devices.has(device.id)) errors.push(configError('CONFIG_DUPLICATE_ID', `${at}.id`, 'a device id used once', describeValue(device.id)));
    devices.set(device.id, device);
    if (device.kind === 'osdp' || device.kind === 'turnstile') {
      const bus = buses.get(device.bus);
      if (!bus) {
        errors.push(configError('CONFIG_BAD_REFERENCE', `${at}.bus`, `one of the buses (${[...buses.keys()].join(', ') || 'none declared'})`, describeValue(device.bus)));
        return;
      }
      const protocol = device.kind === 'osdp' ? 'osdp' : 'modbus';
      if (bus.protocol && bus.protocol !== protocol) {
        errors.push(configError('CONFIG_CONFLICT', `${at}.bus`, `a bus carrying ${protocol} only (this one carries ${bus.protocol})`, describeValue(device.bus)));
      }
      bus.protocol = protocol;
      if (protocol === 'modbus' && bus.addresses.size > 0) {
        errors.push(configError('CONFIG_CONFLICT', `${at}.bus`, `a bus of its own (the turnstile driver drives one I/O module per bus; "${[...bus.addresses.values()][0]}" is on this one)`, describeValue(device.bus)));
      }
      const other = bus.addresses.get(device.address);
      if (other) errors.push(configError('CONFIG_CONFLICT', `${at}.address`, `an address not already used by "${other}" on bus "${device.bus}"`, describeValue(device.address)));
      bus.addresses.set(device.address, device.id);
    } else {
      claimPort(device.transport, `device "${device.id}"`, `${at}.transport`);
    }
    if (device.kind === 'turnstile') errors.push(...checkTurnstile(device, at));
  });

  const laneIds = new Set<string>();
  const readerOwner = new Map<string, string>();
  const turnstileOwner = new Map<string, string>();
  config.lanes.forEach((lane, i) => {
    const at = `lanes[${i}]`;
    if (laneIds.has(lane.id)) errors.push(configError('CONFIG_DUPLICATE_ID', `${at}.id`, 'a lane id used once', describeValue(lane.id)));
    laneIds.add(lane.id);
    const turnstile = devices.get(lane.turnstile);
    if (turnstile?.kind !== 'turnstile') {
      errors.push(configError('CONFIG_BAD_REFERENCE', `${at}.turnstile`, 'the id of a device of kind "turnstile"', describeValue(lane.turnstile)));
    } else if (turnstileOwner.has(lane.turnstile)) {
      errors.push(configError('CONFIG_CONFLICT', `${at}.turnstile`, `a turnstile not already used by lane "${turnstileOwner.get(lane.turnstile)}"`, describeValue(lane.turnstile)));
    } else turnstileOwner.set(lane.turnstile, lane.id);
    lane.readers.forEach((r, j) => {
      const rat = `${at}.readers[${j}]`;
      const reader = devices.get(r.reader);
      if (!reader || !READER_KINDS.has(reader.kind)) {
        errors.push(configError('CONFIG_BAD_REFERENCE', `${rat}.reader`, 'the id of a reader device (osdp, em4100, hid-wedge)', describeValue(r.reader)));
      } else if (readerOwner.has(r.reader)) {
        errors.push(configError('CONFIG_CONFLICT', `${rat}.reader`, `a reader not already used by lane "${readerOwner.get(r.reader)}"`, describeValue(r.reader)));
      } else readerOwner.set(r.reader, lane.id);
      const only = lane.kind === 'entry' ? 'in' : lane.kind === 'exit' ? 'out' : undefined;
      if (only && r.direction !== only) {
        errors.push(configError('CONFIG_INVALID', `${rat}.direction`, `"${only}" (an ${lane.kind} lane goes one way; use kind "accessible" for both)`, describeValue(r.direction)));
      }
    });
  });

  (config.localUi.totem?.lanes ?? []).forEach((id, i) => {
    if (!laneIds.has(id)) errors.push(configError('CONFIG_BAD_REFERENCE', `localUi.totem.lanes[${i}]`, `one of the lanes (${[...laneIds].join(', ')})`, describeValue(id)));
  });
  if (config.printer !== undefined && devices.get(config.printer)?.kind !== 'printer') {
    errors.push(configError('CONFIG_BAD_REFERENCE', 'printer', 'the id of a device of kind "printer"', describeValue(config.printer)));
  }
  return errors;
}

/** What the Modbus turnstile driver would refuse at start, said at --check time instead. */
function checkTurnstile(t: Extract<DeviceConfig, { kind: 'turnstile' }>, at: string): ConfigError[] {
  const errors: ConfigError[] = [];
  if (t.mode === 'pulse' && t.pulseMs >= t.passageWindowMs) {
    errors.push(configError('CONFIG_INVALID', `${at}.pulseMs`, `less than passageWindowMs (${t.passageWindowMs}) in pulse mode`, describeValue(t.pulseMs)));
  }
  if (t.mode === 'potential' && !t.moduleWatchdog) {
    errors.push(configError('CONFIG_INVALID', `${at}.mode`, 'pulse, or a moduleWatchdog (potential mode holds the relay on: a module that cannot drop it when the agent dies would leave the lane open)', describeValue(t.mode)));
  }
  const floor = watchdogFloorMs(t.pollMs ?? DEFAULT_POLL_INTERVAL_MS);
  if (t.moduleWatchdog && t.moduleWatchdog.timeoutMs < floor) {
    errors.push(configError('CONFIG_INVALID', `${at}.moduleWatchdog.timeoutMs`, `at least ${floor} ms (3 poll periods, at least 300 ms)`, describeValue(t.moduleWatchdog.timeoutMs)));
  }
  for (const [group, map] of [['coils', t.coils], ['inputs', t.inputs]] as const) {
    const seen = new Map<number, string>();
    for (const [name, address] of Object.entries(map)) {
      const other = seen.get(address);
      if (other) errors.push(configError('CONFIG_CONFLICT', `${at}.${group}.${name}`, `an address not already used by ${group}.${other}`, describeValue(address)));
      seen.set(address, name);
    }
  }
  return errors;
}
