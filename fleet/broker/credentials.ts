import { createHash, pbkdf2Sync, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * Box MQTT secrets. A secret is 32 random bytes (base64url), issued once at enrolment and
 * only its hashes are stored:
 * - `scrypt$N$r$p$salt$hash` for the embedded broker;
 * - Mosquitto's `$7$iterations$salt$hash` (PBKDF2-SHA512) for an external broker's
 *   password file, so the file can be regenerated without the secret.
 *
 * Cost: the secret has 256 bits of entropy, so the KDF's work factor adds nothing against
 * guessing; it only costs CPU when thousands of boxes reconnect at once (a fleet restart,
 * when the verified-secret cache below is empty). N = 2^6 (about 0.3-0.5 ms on a small
 * core) costs what Mosquitto's own check of the same secret costs (PBKDF2-SHA512, 101
 * rounds). N = 2^10 (7-12 ms) made the embedded broker's cold storm CPU-bound: 10,000 boxes
 * were 70-120 s of thread-pool CPU. Verification runs on libuv's thread pool (async
 * scrypt) so the broker's event loop never stalls, and the parameters travel in the hash:
 * hashes stored with other parameters keep verifying.
 */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const defaultScryptParams: ScryptParams = { N: 64, r: 8, p: 1 };
const KEY_LEN = 32;
const MOSQUITTO_ITERATIONS = 101; // what mosquitto_passwd 2.x writes

export function generateBoxSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string, params: ScryptParams = defaultScryptParams): string {
  const salt = randomBytes(16);
  const hash = scryptSync(secret, salt, KEY_LEN, { ...params, maxmem: 256 * params.N * params.r });
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Mosquitto 2.x password-file hash of the secret ("$7$" = PBKDF2-SHA512). */
export function mosquittoHash(secret: string): string {
  const salt = randomBytes(12);
  const hash = pbkdf2Sync(secret, salt, MOSQUITTO_ITERATIONS, 64, 'sha512');
  return `$7$${MOSQUITTO_ITERATIONS}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Resolves false (never throws) for a wrong secret or a malformed stored hash. */
export function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return Promise.resolve(false);
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const salt = Buffer.from(parts[4] as string, 'base64');
  const expected = Buffer.from(parts[5] as string, 'base64');
  if (![N, r, p].every((x) => Number.isInteger(x) && x > 0) || expected.length !== KEY_LEN) return Promise.resolve(false);
  return new Promise((resolve) => {
    scrypt(secret, salt, KEY_LEN, { N, r, p, maxmem: 256 * N * r }, (e, key) => resolve(!e && timingSafeEqual(key, expected)));
  });
}

/**
 * Remembers secrets already verified against a given stored hash, so that a box that
 * reconnects (flaky link, broker restart with 10,000 boxes) costs a SHA-256, not a KDF.
 * Keyed by the stored hash: a re-issued secret misses the cache. Revocation is not
 * cached: the caller checks the box's status on every connect.
 */
export class VerifiedSecretCache {
  private readonly known = new Map<string, Buffer>();

  constructor(private readonly capacity = 20_000) {}

  async verify(secret: string, stored: string): Promise<boolean> {
    const digest = createHash('sha256').update(secret).digest();
    const hit = this.known.get(stored);
    if (hit) return timingSafeEqual(hit, digest);
    if (!(await verifySecret(secret, stored))) return false;
    if (this.known.size >= this.capacity) this.known.delete(this.known.keys().next().value as string);
    this.known.set(stored, digest);
    return true;
  }
}
