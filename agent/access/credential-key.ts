import type { CredentialKind } from './model.ts';

/**
 * Badge numbers are compared in one canonical form: a decimal string without leading zeros
 * ('0012' and '12' are the same badge). Other values are compared as given.
 */
export function canonicalCredentialValue(kind: CredentialKind, value: string): string {
  if (kind === 'badge' && /^\d+$/.test(value)) {
    const stripped = value.replace(/^0+/, '');
    return stripped === '' ? '0' : stripped;
  }
  return value;
}

export function credentialKey(kind: CredentialKind, value: string): string {
  return `${kind}:${canonicalCredentialValue(kind, value)}`;
}
