import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

/**
 * Secure channel keys are never in the configuration file itself: a key ref names where
 * the key is. `file:<path>` (relative to the data directory, or absolute) holds the 16-byte
 * key as 32 hex digits; `env:<VARIABLE>` holds the same hex text.
 */
export type KeyLookup = { readonly kind: 'key'; readonly key: Uint8Array } | { readonly kind: 'missing'; readonly where: string };

const KEY_HEX = /^[0-9a-fA-F]{32}$/;

function parseKey(text: string, where: string): Uint8Array {
  const hex = text.trim();
  if (!KEY_HEX.test(hex)) throw new Error(`${where}: expected a 16-byte key as 32 hex digits`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export function keyRefPath(ref: string, dataDir: string): string | undefined {
  if (!ref.startsWith('file:')) return undefined;
  const path = ref.slice('file:'.length);
  return isAbsolute(path) ? path : join(dataDir, path);
}

export function lookupKey(ref: string, dataDir: string): KeyLookup {
  const path = keyRefPath(ref, dataDir);
  if (path !== undefined) return existsSync(path) ? { kind: 'key', key: parseKey(readFileSync(path, 'utf8'), path) } : { kind: 'missing', where: path };
  if (ref.startsWith('env:')) {
    const name = ref.slice('env:'.length);
    const value = process.env[name];
    return value === undefined ? { kind: 'missing', where: `environment variable ${name}` } : { kind: 'key', key: parseKey(value, `environment variable ${name}`) };
  }
  throw new Error(`key ref "${ref}" is neither file:<path> nor env:<VARIABLE>`);
}

/** Stores a key a reader accepted (install mode): only `file:` refs can be written. Owner-only permissions. */
export function storeKey(ref: string, dataDir: string, key: Uint8Array): void {
  const path = keyRefPath(ref, dataDir);
  if (path === undefined) throw new Error(`key ref "${ref}" cannot be written (only file: refs can)`);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${Buffer.from(key).toString('hex')}\n`, { mode: 0o600 });
}
