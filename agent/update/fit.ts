import { updateError, UpdateFailure } from './errors.ts';
import type { VerifiedTarget } from './trust.ts';
import { compareVersions, isVersion } from './version.ts';

export interface BoxIdentity {
  /** Hardware model of this box (e.g. `rbx-a1`); a bundle must be built for it. */
  hardware: string;
  /** Version of the agent running now. */
  runningVersion: string;
}

/**
 * Our checks on a TUF-verified target's `custom` fields: TUF proves the repository
 * signed it, not that it suits this box. Throws an UpdateFailure with a coded error.
 */
export function checkTargetFits(target: VerifiedTarget, box: BoxIdentity, wantedVersion: string): void {
  const c = target.custom;
  if (typeof c.hardware !== 'string' || c.hardware !== box.hardware) throw new UpdateFailure(updateError('UPDATE_WRONG_HARDWARE', `bundle for ${JSON.stringify(c.hardware ?? null)}, box is ${box.hardware}`));
  if (!isVersion(c.version) || c.version !== wantedVersion) throw new UpdateFailure(updateError('UPDATE_WRONG_VERSION', `bundle is ${JSON.stringify(c.version ?? null)}, job wants ${wantedVersion}`));
  if (!isVersion(c.minVersion)) throw new UpdateFailure(updateError('UPDATE_BAD_BUNDLE', 'target has no minVersion'));
  if (compareVersions(box.runningVersion, c.minVersion) < 0) throw new UpdateFailure(updateError('UPDATE_TOO_OLD_TO_UPGRADE', `running ${box.runningVersion}, bundle needs at least ${c.minVersion}`));
  if (compareVersions(c.version, box.runningVersion) <= 0) throw new UpdateFailure(updateError('UPDATE_NOT_NEWER', `bundle ${c.version}, running ${box.runningVersion}`));
}
