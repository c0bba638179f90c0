import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from './sql.ts';

export const ROLES = ['viewer', 'technician', 'support', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);

export interface ApiTokenRow {
  id: string;
  name: string;
  role: Role;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

interface RawRow {
  id: string;
  name: string;
  role: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

const toRow = (r: RawRow): ApiTokenRow => ({
  id: r.id,
  name: r.name,
  role: r.role as Role,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
});

/**
 * Tokens are 32 random bytes; only their SHA-256 is stored. A fast hash is enough here
 * (unlike passwords): the input has 256 bits of entropy, so there is nothing to brute-force,
 * and lookup by hash keeps authentication one indexed read per request.
 */
export const hashApiToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export interface TokenRegistry {
  create(name: string, role: Role, now: number, expiresAt?: number | null): Promise<{ token: string; row: ApiTokenRow }>;
  get(id: string): Promise<ApiTokenRow | undefined>;
  list(): Promise<ApiTokenRow[]>;
  authenticate(token: string, now: number): Promise<ApiTokenRow | undefined>;
  revoke(id: string, now: number): Promise<boolean>;
  countActiveAdmins(now: number): Promise<number>;
}

/** API tokens (table api_tokens of migration 001). */
export class SqlTokenRegistry implements TokenRegistry {
  constructor(private readonly sql: Sql) {}

  /** Creates a token and returns it in clear, the only time it exists outside the caller. */
  async create(name: string, role: Role, now: number, expiresAt: number | null = null): Promise<{ token: string; row: ApiTokenRow }> {
    const id = `tok_${randomBytes(6).toString('hex')}`;
    const token = `rbx_${randomBytes(32).toString('base64url')}`;
    const r = await this.sql.get<RawRow>('INSERT INTO api_tokens (id, name, token_hash, role, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *', [
      id,
      name,
      hashApiToken(token),
      role,
      now,
      expiresAt,
    ]);
    return { token, row: toRow(r as RawRow) };
  }

  async get(id: string): Promise<ApiTokenRow | undefined> {
    const r = await this.sql.get<RawRow>('SELECT * FROM api_tokens WHERE id = ?', [id]);
    return r && toRow(r);
  }

  async list(): Promise<ApiTokenRow[]> {
    return (await this.sql.all<RawRow>('SELECT * FROM api_tokens ORDER BY created_at, id')).map(toRow);
  }

  /** The live token matching `token`, or undefined (unknown, revoked or expired). */
  async authenticate(token: string, now: number): Promise<ApiTokenRow | undefined> {
    const r = await this.sql.get<RawRow>('SELECT * FROM api_tokens WHERE token_hash = ?', [hashApiToken(token)]);
    if (!r || r.revoked_at !== null || (r.expires_at !== null && r.expires_at <= now) || !isRole(r.role)) return undefined;
    // Write last use at most once a minute: a busy dashboard must not turn reads into writes.
    if (r.last_used_at === null || now - r.last_used_at > 60_000) await this.sql.run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', [now, r.id]);
    return toRow(r);
  }

  async revoke(id: string, now: number): Promise<boolean> {
    return (await this.sql.run('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [now, id])) === 1;
  }

  async countActiveAdmins(now: number): Promise<number> {
    const r = await this.sql.get<{ n: number }>("SELECT COUNT(*) AS n FROM api_tokens WHERE role = 'admin' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)", [now]);
    return r?.n ?? 0;
  }
}
