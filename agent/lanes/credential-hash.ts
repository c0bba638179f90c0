import { createHash } from 'node:crypto';
import type { Credential } from '../devices/reader.ts';

/** Hex characters kept of the sha256 (64 bits: unique enough per club, short in logs). */
const HASH_HEX_LENGTH = 16;

/**
 * The form of a credential that is hashed: the kind, then the canonical value (the reader
 * drivers already normalise badge numbers), so the same card hashes the same on every reader.
 */
export function canonicalCredential(credential: Credential): string {
  switch (credential.kind) {
    case 'badge':
      return `badge:${credential.number}`;
    case 'pin':
      return `pin:${credential.pin}`;
    case 'qr':
      return `qr:${credential.payload}`;
  }
}

/**
 * Truncated sha256 of the canonical credential: what logs and the journal carry instead of
 * the number. It pseudonymises, it does not anonymise: a 10-digit badge number space can be
 * enumerated, so the hash is still personal data (see docs/agent.md).
 */
export function credentialHash(credential: Credential): string {
  return createHash('sha256').update(canonicalCredential(credential)).digest('hex').slice(0, HASH_HEX_LENGTH);
}
