import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Key, Signature } from '@tufjs/models';

/** The four top-level TUF roles. */
export const ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type RoleName = (typeof ROLES)[number];

/** An Ed25519 signing key of one role, as stored in `<keys>/<name>.key.json` (mode 0600). */
export interface SigningKey {
  readonly role: RoleName;
  readonly keyId: string;
  readonly publicHex: string;
  readonly privateKey: KeyObject;
}

interface KeyFile {
  role: RoleName;
  keyid: string;
  keytype: 'ed25519';
  scheme: 'ed25519';
  public: string;
  private: string;
}

/** Key id as in the TUF specification: sha256 of the canonical JSON of the public key. */
export function keyIdOf(publicHex: string): string {
  // Canonical JSON of this object: keys already sorted, values are hex (no escaping).
  const canonical = JSON.stringify({ keytype: 'ed25519', keyval: { public: publicHex }, scheme: 'ed25519' });
  return createHash('sha256').update(canonical).digest('hex');
}

export function generateSigningKey(role: RoleName): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  const publicHex = der.subarray(der.length - 32).toString('hex');
  return { role, keyId: keyIdOf(publicHex), publicHex, privateKey };
}

/** The public half in TUF form, for root.json. */
export function tufKeyOf(key: SigningKey): Key {
  return new Key({ keyID: key.keyId, keyType: 'ed25519', scheme: 'ed25519', keyVal: { public: key.publicHex } });
}

/** A signer for `Metadata.sign()`: Ed25519 over the canonical bytes it is given. */
export function signerOf(key: SigningKey): (data: Buffer) => Signature {
  return (data) => new Signature({ keyID: key.keyId, sig: sign(null, data, key.privateKey).toString('hex') });
}

export async function saveKey(dir: string, name: string, key: SigningKey): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file: KeyFile = { role: key.role, keyid: key.keyId, keytype: 'ed25519', scheme: 'ed25519', public: key.publicHex, private: key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
  const path = join(dir, `${name}.key.json`);
  await writeFile(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return path;
}

function parseKey(text: string, path: string): SigningKey {
  const f = JSON.parse(text) as Partial<KeyFile>;
  if (!f.role || !(ROLES as readonly string[]).includes(f.role) || typeof f.public !== 'string' || typeof f.private !== 'string') throw new Error(`${path}: not a RESABOX key file`);
  const privateKey = createPrivateKey(f.private);
  const der = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicHex = der.subarray(der.length - 32).toString('hex');
  if (publicHex !== f.public) throw new Error(`${path}: public key does not match private key`);
  return { role: f.role, keyId: keyIdOf(publicHex), publicHex, privateKey };
}

/** Every key found in a key directory, grouped by role. */
export async function loadKeys(dir: string): Promise<Record<RoleName, SigningKey[]>> {
  const out: Record<RoleName, SigningKey[]> = { root: [], targets: [], snapshot: [], timestamp: [] };
  const names = (await readdir(dir)).filter((n) => n.endsWith('.key.json')).sort();
  for (const n of names) {
    const path = join(dir, n);
    const key = parseKey(await readFile(path, 'utf8'), path);
    out[key.role].push(key);
  }
  return out;
}
