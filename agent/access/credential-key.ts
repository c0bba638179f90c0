import { normaliseBadge } from '../../protocol/access/credential.ts';
import type { CredentialKind } from './model.ts';

/**
 * Badge numbers are compared in the canonical form of protocol/access/credential.ts
 * (decimal, no leading zeros), whatever notation the fleet or the reader used: '0012',
 * '0xC' and '0:12' are the same badge. A badge value that is no badge number in any
 * notation is kept as given: it can match nothing a reader reports. Other kinds compare
 * as given.
 */
export function canonicalCredentialValue(kind: CredentialKind, value: string): string {
  if (kind !== 'badge') return value;
  const badge = normaliseBadge(value);
  return badge.ok ? badge.value.number : value;
}

export function credentialKey(kind: CredentialKind, value: string): string {
  return `${kind}:${canonicalCredentialValue(kind, value)}`;
}
