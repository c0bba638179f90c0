import { describe, expect, it } from 'vitest';
import { compareVersions, isVersion } from './version.ts';

describe('versions', () => {
  it('orders releases numerically and pre-releases before their release', () => {
    const sorted = ['1.10.0', '1.2.0', '1.2.0-rc.1', '0.9.9', '2.0.0'].sort(compareVersions);
    expect(sorted).toEqual(['0.9.9', '1.2.0-rc.1', '1.2.0', '1.10.0', '2.0.0']);
    expect(compareVersions('1.2.3', '1.2.3+build.5')).toBe(0);
  });
  it('rejects what is not a version', () => {
    expect(isVersion('1.2')).toBe(false);
    expect(isVersion('v1.2.3')).toBe(false);
    expect(() => compareVersions('x', '1.0.0')).toThrow(/not a version/);
  });
});
