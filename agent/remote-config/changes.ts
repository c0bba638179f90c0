import type { BoxConfig } from '../config/schema.ts';

/** What differs between two configurations: what must be restarted, and what must come up again. */
export interface ConfigChanges {
  /** Nothing the box runs differs. */
  readonly none: boolean;
  /** Fields the box may not take from the fleet (box.id, dataDir, fleet). */
  readonly locked: string[];
  /** Devices whose own settings, or whose bus, changed (or that are new): each must come up in the trial. */
  readonly devices: string[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Compares the running configuration with a desired one. Pure. A device counts as changed
 * when its entry differs, or the entry of the bus it sits on; lanes, policies and pages
 * changing restart the agent but have no device to wait for.
 */
export function configChanges(running: BoxConfig, desired: BoxConfig): ConfigChanges {
  const locked: string[] = [];
  if (running.box.id !== desired.box.id) locked.push('box.id');
  if (running.dataDir !== desired.dataDir) locked.push('dataDir');
  if (!same(running.fleet, desired.fleet)) locked.push('fleet');
  const buses = new Map((running.buses ?? []).map((b) => [b.id, b]));
  const changedBuses = new Set((desired.buses ?? []).filter((b) => !same(buses.get(b.id), b)).map((b) => b.id));
  const devices = new Map(running.devices.map((d) => [d.id, d]));
  const changed = desired.devices.filter((d) => !same(devices.get(d.id), d) || ('bus' in d && typeof d.bus === 'string' && changedBuses.has(d.bus))).map((d) => d.id);
  return { none: same(running, desired), locked, devices: changed };
}
