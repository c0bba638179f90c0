import { REASON_LABELS_FR } from '../../protocol/access/reasons.ts';
import type { DecideFn } from '../../agent/lanes/lane.ts';

/**
 * A stand-in for agent/access decide(): grants the badge numbers in `allowed` (member id
 * "m-<number>"), refuses every other credential as unknown. Rights version `version`.
 */
export function allowListDecide(allowed: Iterable<string>, version = 7): DecideFn {
  const set = new Set(allowed);
  return (credential) => {
    if (credential.kind === 'badge' && set.has(credential.number)) {
      return { granted: true, reason: 'granted', message: REASON_LABELS_FR.granted, memberId: `m-${credential.number}`, rightsVersion: version };
    }
    return { granted: false, reason: 'unknown-credential', message: REASON_LABELS_FR['unknown-credential'], rightsVersion: version };
  };
}
