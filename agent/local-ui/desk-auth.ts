import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Clock } from '../../platform/clock.ts';

/** Coded refusals of the front-desk login (their French messages are in errors.ts). */
export type DeskAuthError = { readonly code: 'DESK_PIN_NOT_CONFIGURED' | 'DESK_PIN_WRONG' | 'DESK_LOCKED_OUT'; readonly retryAfterS?: number };

/** Reads the PIN a `file:` / `env:` ref names (like the OSDP key refs); undefined when missing. */
export function readDeskPin(ref: string | undefined, dataDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!ref) return undefined;
  if (ref.startsWith('env:')) return env[ref.slice(4)]?.trim() || undefined;
  const path = ref.slice('file:'.length);
  const full = isAbsolute(path) ? path : join(dataDir, path);
  return existsSync(full) ? readFileSync(full, 'utf8').trim() || undefined : undefined;
}

const SESSION_MS = 12 * 3600_000;
const MAX_FAILURES = 5;
const LOCKOUT_MS = 60_000;

/**
 * The front desk's PIN and its sessions. A right PIN opens a session (a random token kept
 * in memory, sent back as an HttpOnly SameSite=Strict cookie, so a restart logs everyone
 * out). Five wrong PINs in a row from one address lock that address out for a minute: a
 * short PIN on a LAN must not be guessable by a script.
 */
export class DeskAuth {
  private readonly sessions = new Map<string, { operator: string; expiresAt: number }>();
  private readonly failures = new Map<string, { count: number; lockedUntil: number }>();
  private readonly pinHash: Buffer | undefined;

  constructor(
    pin: string | undefined,
    private readonly clock: Clock,
  ) {
    this.pinHash = pin === undefined ? undefined : sha256(pin);
  }

  get configured(): boolean {
    return this.pinHash !== undefined;
  }

  login(pin: string, operator: string, address: string): { ok: true; token: string } | { ok: false; error: DeskAuthError } {
    if (!this.pinHash) return { ok: false, error: { code: 'DESK_PIN_NOT_CONFIGURED' } };
    const now = this.clock.now();
    const f = this.failures.get(address) ?? { count: 0, lockedUntil: 0 };
    if (f.lockedUntil > now) return { ok: false, error: { code: 'DESK_LOCKED_OUT', retryAfterS: Math.ceil((f.lockedUntil - now) / 1000) } };
    if (!timingSafeEqual(sha256(pin), this.pinHash)) {
      f.count += 1;
      if (f.count >= MAX_FAILURES) {
        f.count = 0;
        f.lockedUntil = now + LOCKOUT_MS;
      }
      this.failures.set(address, f);
      return { ok: false, error: { code: 'DESK_PIN_WRONG' } };
    }
    this.failures.delete(address);
    const token = randomBytes(32).toString('base64url');
    this.sessions.set(token, { operator, expiresAt: now + SESSION_MS });
    return { ok: true, token };
  }

  /** The operator of a live session, or undefined. */
  operatorOf(token: string | undefined): string | undefined {
    if (!token) return undefined;
    const s = this.sessions.get(token);
    if (!s) return undefined;
    if (s.expiresAt <= this.clock.now()) {
      this.sessions.delete(token);
      return undefined;
    }
    return s.operator;
  }

  logout(token: string | undefined): void {
    if (token) this.sessions.delete(token);
  }
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();
