import { REASON_LABELS_FR } from '../../protocol/access/reasons.ts';
import type { DecideFn } from '../../agent/lanes/lane.ts';

/**
 * A stand-in for agent/access decide(): grants the badge numbers `allowed` lists or accepts (member id
 * "m-<number>"), refuses every other credential as unknown. Rights version `version`.
 */
export function allowListDecide(allowed: Iterable<string> | ((badge: string) => boolean), version = 7): DecideFn {
  const isAllowed = typeof allowed === 'function' ? allowed : ((set) => (badge: string) => set.has(badge))(new Set(allowed));
  return (credential) => {
    if (credential.kind === 'badge' && isAllowed(credential.number)) {
      return { granted: true, reason: 'granted', message: REASON_LABELS_FR.granted, memberId: `m-${credential.number}`, rightsVersion: version };
    }
    return { granted: false, reason: 'unknown-credential', message: REASON_LABELS_FR['unknown-credential'], rightsVersion: version };
  };
}
