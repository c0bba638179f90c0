/**
 * The one catalog of the codes the `resabox` CLI prints itself (docs/cli.md, "Errors and
 * exit codes"). Besides these, a command prints the fleet's own coded error as it came
 * (fleet/api/errors.ts, exit 1). `test/e2e/cli-errors.test.ts` runs the failure paths on a
 * running demo and checks that docs/cli.md and this catalog say the same.
 */
export const CLI_ERRORS = {
  CLI_USAGE: { exit: 2, meaning: 'bad command line: unknown area, command or option, a missing or malformed value' },
  CLI_FLEET_UNREACHABLE: { exit: 3, meaning: 'the fleet cannot be reached at the URL (refused, timed out, unknown host)' },
  CLI_BAD_RESPONSE: { exit: 1, meaning: 'the URL answers, but not as the fleet API does (not JSON, no coded error)' },
  CLI_INTERNAL: { exit: 1, meaning: 'an unexpected failure of the CLI itself (a bug: report it with the command line)' },
  CLI_AMBIGUOUS: { exit: 1, meaning: '`member show --name`: several members match (they are listed; give the MEMBER_ID)' },
  CLI_NO_ANSWER: { exit: 4, meaning: 'the box did not answer the command within --wait (the command may still run before it expires)' },
  COMMAND_FAILED: { exit: 4, meaning: 'the box tried the command and it failed (its own code follows: LANE_UNKNOWN...)' },
  COMMAND_REJECTED: { exit: 4, meaning: 'the box could not read the command (an agent older than the contract)' },
  COMMAND_EXPIRED: { exit: 4, meaning: 'the command expired before the box carried it out (box offline, or the box clock past the expiry)' },
  ROLLOUT_WATCH_TIMEOUT: { exit: 6, meaning: '`rollout watch --timeout` passed with the rollout still going' },
  CONFIG_REMOTE_INVALID: { exit: 1, meaning: '`config set --file`: the file fails the checks of resabox-agent --check (nothing sent)' },
  CONFIG_REJECTED: { exit: 4, meaning: '`config set`: the box refused the new version (its own code follows: CONFIG_REMOTE_LOCKED...)' },
  CONFIG_ROLLED_BACK: { exit: 4, meaning: '`config set`: the box tried the new version and went back to the previous one (its own code follows)' },
  CONFIG_NO_ANSWER: { exit: 6, meaning: '`config set`: the box did not report on the new version within --wait (it applies it when online)' },
  BUNDLE_FAILED: { exit: 1, meaning: '`bundle` failed (unreadable keys or repository, a file that is not a bundle)' },
  RELEASE_FAILED: { exit: 1, meaning: '`release build|publish` failed on this machine (build error, unreadable file)' },
  RELEASE_KEYS_INVALID: { exit: 2, meaning: '`release publish --keys`: no usable targets key in the folder' },
  RELEASE_TARGETS_UNTRUSTED: { exit: 1, meaning: "the fleet's targets.json is not signed by the keys given" },
  RELEASE_HARDWARE_UNKNOWN: { exit: 1, meaning: 'no enrolled box has the hardware model (use --force to publish anyway)' },
  RELEASE_NO_REPOSITORY: { exit: 1, meaning: 'the fleet has no update repository yet (root.json)' },
  RELEASE_FLEET_NOT_SIGNING: { exit: 1, meaning: 'the fleet has no online keys to sign snapshot and timestamp' },
  RELEASE_UPLOAD_CORRUPT: { exit: 1, meaning: 'the fleet received other bytes than the bundle (sha256 differs)' },
} as const satisfies Record<string, { exit: number; meaning: string }>;

export type CliErrorCode = keyof typeof CLI_ERRORS;

/** The code printed when a remote command ended without success (`COMMAND_FAILED`...). */
export function commandOutcomeCode(status: 'failed' | 'rejected' | 'expired'): CliErrorCode {
  return `COMMAND_${status.toUpperCase() as Uppercase<typeof status>}`;
}
