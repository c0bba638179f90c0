import semver from 'semver';

/**
 * Semantic versions as the update contract uses them (`1.4.2`, `1.5.0-rc.10`), by the
 * semver package (SemVer 2.0.0): numeric pre-release identifiers compare as numbers, and
 * leading zeros, a `v` prefix or loose forms are not versions.
 */
export function isVersion(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 64 && semver.valid(v) === v.replace(/\+.*$/, '') && !/^[v=\s]/.test(v);
}

/** Negative, zero or positive like a sort comparator; a pre-release sorts before its release; build metadata is ignored. */
export function compareVersions(a: string, b: string): number {
  for (const v of [a, b]) if (!isVersion(v)) throw new Error(`not a version: ${v}`);
  return semver.compare(a, b);
}
