import { describe, expect, it } from 'vitest';
import type { UpdateFailure } from './errors.ts';
import { checkTargetFits } from './fit.ts';
import type { VerifiedTarget } from './trust.ts';

const target = (version: string, minVersion = '0.0.0'): VerifiedTarget => ({ name: `resabox-${version}-rbx-a1.tar.gz`, length: 1, hashes: {}, custom: { version, hardware: 'rbx-a1', channel: 'stable', minVersion } });
const codeOf = (f: () => void): string | null => {
  try {
    f();
    return null;
  } catch (e) {
    return (e as UpdateFailure).error.code;
  }
};

describe('does a signed target suit this box', () => {
  it('takes 1.5.0-rc.10 on a box running 1.5.0-rc.9 (numeric pre-release order)', () => {
    expect(codeOf(() => checkTargetFits(target('1.5.0-rc.10'), { hardware: 'rbx-a1', runningVersion: '1.5.0-rc.9' }, '1.5.0-rc.10'))).toBeNull();
    expect(codeOf(() => checkTargetFits(target('1.5.0-rc.9'), { hardware: 'rbx-a1', runningVersion: '1.5.0-rc.10' }, '1.5.0-rc.9'))).toBe('UPDATE_NOT_NEWER');
  });

  it('refuses a target version with leading zeros, another hardware, or a box below the minimum', () => {
    expect(codeOf(() => checkTargetFits(target('01.6.0'), { hardware: 'rbx-a1', runningVersion: '1.5.0' }, '01.6.0'))).toBe('UPDATE_WRONG_VERSION');
    expect(codeOf(() => checkTargetFits(target('1.6.0'), { hardware: 'rbx-b2', runningVersion: '1.5.0' }, '1.6.0'))).toBe('UPDATE_WRONG_HARDWARE');
    expect(codeOf(() => checkTargetFits(target('1.6.0', '1.5.1'), { hardware: 'rbx-a1', runningVersion: '1.5.0' }, '1.6.0'))).toBe('UPDATE_TOO_OLD_TO_UPGRADE');
  });
});
