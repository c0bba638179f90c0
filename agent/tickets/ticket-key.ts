import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rawPublicKey } from '../../protocol/access/qr-token.ts';

/** The box's ticket signing key: the private half never leaves the box's data folder. */
export interface TicketKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Raw 32-byte public key, base64url: what the box announces in its `state` message. */
  readonly publicRaw: string;
}

export const TICKET_KEY_FILE = 'ticket-key.pem';

/**
 * Loads the box's Ed25519 ticket key from `<dataDir>/ticket-key.pem` (PKCS#8, mode 0600),
 * creating it on first start (written to a temporary file then renamed, so a power cut never
 * leaves half a key). The key id is derived from the public key ("t" + 16 base64url
 * characters of its SHA-256): a new key always gets a new id. Throws on an unreadable or
 * foreign key file, a configuration fault the agent reports at start.
 */
export function loadOrCreateTicketKey(dataDir: string): TicketKey {
  const file = join(dataDir, TICKET_KEY_FILE);
  if (!existsSync(file)) {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' });
    writeFileSync(`${file}.tmp`, pem, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
  const privateKey = createPrivateKey(readFileSync(file));
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file}: not an Ed25519 private key`);
  const publicKey = createPublicKey(privateKey);
  const publicRaw = rawPublicKey(publicKey);
  const keyId = `t${createHash('sha256').update(publicRaw).digest('base64url').slice(0, 16)}`;
  return { keyId, privateKey, publicKey, publicRaw };
}
