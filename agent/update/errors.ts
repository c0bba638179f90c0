/**
 * The update area's error catalog. Codes are stable: the fleet shows them, alerts match
 * them, docs/updates.md lists them. Every refusal of the box carries one.
 */
export const UPDATE_ERRORS = {
  UPDATE_TUF_ROLLBACK: 'metadata older than what the box already trusts (rollback attack)',
  UPDATE_TUF_EXPIRED: 'metadata expired (freeze attack or repository not re-signed)',
  UPDATE_TUF_MIX_AND_MATCH: 'metadata versions or hashes do not match each other (mix-and-match)',
  UPDATE_TUF_TOO_LARGE: 'a file is longer than its length bound (endless data)',
  UPDATE_TUF_BAD_SIGNATURE: 'metadata not signed by enough trusted keys (arbitrary software)',
  UPDATE_TUF_UNREACHABLE: 'the update repository could not be reached',
  UPDATE_TUF_INVALID: 'the update repository sent invalid metadata',
  UPDATE_TARGET_UNKNOWN: 'the repository does not list this bundle',
  UPDATE_TARGET_HASH_MISMATCH: 'the downloaded bundle does not match its signed hashes',
  UPDATE_TARGET_TRUNCATED: 'the download ended before the signed length',
  UPDATE_TARGET_TOO_LARGE: 'the server sent more bytes than the signed length',
  UPDATE_WRONG_HARDWARE: 'the bundle is built for other hardware',
  UPDATE_WRONG_VERSION: 'the bundle version differs from the one the job asked for',
  UPDATE_TOO_OLD_TO_UPGRADE: 'the running version is below the bundle minimum version',
  UPDATE_NOT_NEWER: 'the bundle is not newer than the running version',
  UPDATE_BAD_BUNDLE: 'the bundle archive or its manifest is invalid',
  UPDATE_DISK: 'the box could not write the release to disk',
  UPDATE_JOB_EXPIRED: 'the job expired before it could be started',
  UPDATE_ABORTED: 'aborted by the fleet',
  UPDATE_TRIAL_CRASH_LOOP: 'the new release crashed repeatedly during its trial',
  UPDATE_TRIAL_NO_HEALTH: 'the new release never reported healthy during its trial',
  UPDATE_TRIAL_SELF_TEST: 'the new release failed its self-test',
  UPDATE_NO_LAUNCHER: 'this agent does not run under the launcher, so it cannot switch releases',
  UPDATE_INTERRUPTED: 'the box restarted in the middle of the update and could not resume it',
  UPDATE_STATE_LOOP: 'the update kept stopping at the same step (the agent crashed or restarted there every time): given up',
} as const;

export type UpdateErrorCode = keyof typeof UPDATE_ERRORS;

export interface UpdateError {
  code: UpdateErrorCode;
  message: string;
}

export function updateError(code: UpdateErrorCode, detail?: string): UpdateError {
  const base = UPDATE_ERRORS[code];
  return { code, message: (detail ? `${base}: ${detail}` : base).slice(0, 500) };
}

/** Thrown inside the update area; the machine turns it into a `failed` outcome. */
export class UpdateFailure extends Error {
  constructor(readonly error: UpdateError) {
    super(error.message);
    this.name = 'UpdateFailure';
  }
}
