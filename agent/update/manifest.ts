import { isVersion } from './version.ts';

/** `manifest.json` at the top of every bundle and of every unpacked release directory. */
export interface BundleManifest {
  name: 'resabox-agent';
  version: string;
  hardware: string;
  channel: string;
  /** The oldest agent version that may upgrade straight to this one. */
  minVersion: string;
  /** Path of the script the launcher runs with node, relative to the release directory. */
  entry: string;
  createdAt: string;
}

export const MANIFEST_FILE = 'manifest.json';

/** Validates a parsed manifest; returns the problem as text, or the manifest. */
export function parseManifest(json: unknown): BundleManifest | string {
  if (typeof json !== 'object' || json === null) return 'manifest is not a JSON object';
  const m = json as Record<string, unknown>;
  if (m.name !== 'resabox-agent') return 'manifest name is not resabox-agent';
  if (!isVersion(m.version)) return 'manifest version is not a semantic version';
  if (!isVersion(m.minVersion)) return 'manifest minVersion is not a semantic version';
  for (const f of ['hardware', 'channel', 'entry', 'createdAt'] as const) if (typeof m[f] !== 'string' || (m[f] as string).length === 0) return `manifest ${f} is missing`;
  const entry = m.entry as string;
  if (entry.startsWith('/') || entry.split('/').includes('..')) return 'manifest entry must stay inside the release';
  return m as unknown as BundleManifest;
}
