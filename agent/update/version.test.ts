import { describe, expect, it } from 'vitest';
import { compareVersions, isVersion } from './version.ts';

describe('versions', () => {
  it('orders releases numerically and pre-releases before their release', () => {
    const sorted = ['1.10.0', '1.2.0', '1.2.0-rc.1', '0.9.9', '2.0.0'].sort(compareVersions);
    expect(sorted).toEqual(['0.9.9', '1.2.0-rc.1', '1.2.0', '1.10.0', '2.0.0']);
    expect(compareVersions('1.2.3', '1.2.3+build.5')).toBe(0);
  });

  it('compares numeric pre-release identifiers as numbers: rc.10 is newer than rc.9', () => {
    expect(compareVersions('1.5.0-rc.10', '1.5.0-rc.9')).toBeGreaterThan(0);
    expect(compareVersions('1.5.0-rc.9', '1.5.0-rc.10')).toBeLessThan(0);
    expect(['1.5.0-rc.10', '1.5.0', '1.5.0-rc.2', '1.5.0-beta.11', '1.5.0-rc.9'].sort(compareVersions)).toEqual(['1.5.0-beta.11', '1.5.0-rc.2', '1.5.0-rc.9', '1.5.0-rc.10', '1.5.0']);
    // Alphanumeric identifiers compare as text, and sort after numeric ones.
    expect(compareVersions('1.0.0-alpha.beta', '1.0.0-alpha.1')).toBeGreaterThan(0);
  });

  it('rejects what is not a version, leading zeros included', () => {
    for (const bad of ['01.2.3', '1.02.3', '1.2.03', '1.2.3-rc.01', '1.2', 'v1.2.3', '=1.2.3', ' 1.2.3', '1.2.3 ', 'x', '', 'a'.repeat(70)]) expect(isVersion(bad), bad).toBe(false);
    for (const good of ['0.0.0', '1.2.3', '1.5.0-rc.10', '1.2.3+build.5', '10.20.30-alpha.0']) expect(isVersion(good), good).toBe(true);
    expect(() => compareVersions('x', '1.0.0')).toThrow(/not a version/);
    expect(() => compareVersions('1.0.0', '01.0.0')).toThrow(/not a version/);
  });
});
