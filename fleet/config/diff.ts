/** One difference between the desired and the reported configuration. */
export interface ConfigDifference {
  /** Readable path: array items that carry an `id` are named by it (`devices[tripod-entry].pulseMs`). */
  readonly path: string;
  readonly desired: unknown;
  readonly reported: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const byId = (v: unknown[]): boolean => v.every((x) => isObject(x) && typeof x.id === 'string');

function walk(path: string, d: unknown, r: unknown, out: ConfigDifference[]): void {
  if (JSON.stringify(d) === JSON.stringify(r)) return;
  if (isObject(d) && isObject(r)) {
    for (const k of [...new Set([...Object.keys(d), ...Object.keys(r)])].sort()) walk(path ? `${path}.${k}` : k, d[k], r[k], out);
    return;
  }
  if (Array.isArray(d) && Array.isArray(r) && byId(d) && byId(r)) {
    const dm = new Map(d.map((x) => [(x as { id: string }).id, x]));
    const rm = new Map(r.map((x) => [(x as { id: string }).id, x]));
    for (const id of [...new Set([...dm.keys(), ...rm.keys()])]) walk(`${path}[${id}]`, dm.get(id), rm.get(id), out);
    return;
  }
  out.push({ path, desired: d, reported: r });
}

/** Every leaf that differs, desired against reported (undefined: absent on that side). Pure. */
export function configDiff(desired: unknown, reported: unknown): ConfigDifference[] {
  const out: ConfigDifference[] = [];
  walk('', desired, reported, out);
  return out;
}
