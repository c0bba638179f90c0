import type { Sql } from './sql.ts';

export type EnrollmentStatus = 'pending' | 'accepted' | 'rejected' | 'delivered';

export interface EnrollmentRequest {
  id: string;
  boxId: string;
  clubId: string;
  codeKind: 'box' | 'club';
  hardware: unknown;
  agentVersion: string;
  pollSecretHash: string;
  status: EnrollmentStatus;
  sourceIp: string | null;
  createdAt: number;
  decidedAt: number | null;
  decidedBy: string | null;
  deliveredAt: number | null;
}

/** What a valid, unused, unexpired code grants. */
export type RedeemedCode = { kind: 'box'; boxId: string; clubId: string } | { kind: 'club'; clubId: string; tags: string[] };

interface RawRequest {
  id: string;
  box_id: string;
  club_id: string;
  code_kind: 'box' | 'club';
  hardware: string;
  agent_version: string;
  poll_secret_hash: string;
  status: EnrollmentStatus;
  source_ip: string | null;
  created_at: number;
  decided_at: number | null;
  decided_by: string | null;
  delivered_at: number | null;
}

const toRequest = (r: RawRequest): EnrollmentRequest => ({
  id: r.id,
  boxId: r.box_id,
  clubId: r.club_id,
  codeKind: r.code_kind,
  hardware: JSON.parse(r.hardware) as unknown,
  agentVersion: r.agent_version,
  pollSecretHash: r.poll_secret_hash,
  status: r.status,
  sourceIp: r.source_ip,
  createdAt: r.created_at,
  decidedAt: r.decided_at,
  decidedBy: r.decided_by,
  deliveredAt: r.delivered_at,
});

export interface EnrollmentRequests {
  addBoxCode(codeHash: string, boxId: string, createdBy: string, now: number, expiresAt: number): Promise<void>;
  addClubCode(codeHash: string, clubId: string, tags: readonly string[], createdBy: string, now: number, expiresAt: number): Promise<void>;
  redeemCode(codeHash: string, now: number): Promise<RedeemedCode | undefined>;
  insert(r: Omit<EnrollmentRequest, 'status' | 'decidedAt' | 'decidedBy' | 'deliveredAt'>): Promise<void>;
  get(id: string): Promise<EnrollmentRequest | undefined>;
  list(status: EnrollmentStatus | undefined, limit: number): Promise<EnrollmentRequest[]>;
  decide(id: string, outcome: 'accepted' | 'rejected', by: string, now: number): Promise<boolean>;
  markDelivered(id: string, now: number): Promise<boolean>;
}

/**
 * Enrollment codes (hashed) and enrollment requests: enrollment_codes of migration 001
 * (codes bound to a pre-created box) and the tables of migration 100.
 */
export class SqlEnrollmentRequests implements EnrollmentRequests {
  constructor(private readonly sql: Sql) {}

  async addBoxCode(codeHash: string, boxId: string, createdBy: string, now: number, expiresAt: number): Promise<void> {
    await this.sql.run('INSERT INTO enrollment_codes (code_hash, box_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)', [codeHash, boxId, createdBy, now, expiresAt]);
  }

  async addClubCode(codeHash: string, clubId: string, tags: readonly string[], createdBy: string, now: number, expiresAt: number): Promise<void> {
    await this.sql.run('INSERT INTO club_enrollment_codes (code_hash, club_id, tags, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)', [
      codeHash,
      clubId,
      JSON.stringify(tags),
      createdBy,
      now,
      expiresAt,
    ]);
  }

  /**
   * Marks the code used and returns what it grants, or undefined when it is unknown, used
   * or expired. Call inside a transaction together with the request insert, so that a code
   * is consumed exactly when a request exists for it. Each code is taken by a conditional
   * UPDATE, so two instances redeeming one code at once cannot both win.
   */
  async redeemCode(codeHash: string, now: number): Promise<RedeemedCode | undefined> {
    const boxCode = await this.sql.get<{ box_id: string; club_id: string | null }>(
      `SELECT c.box_id, b.club_id FROM enrollment_codes c JOIN boxes b ON b.id = c.box_id
       WHERE c.code_hash = ? AND c.used_at IS NULL AND c.expires_at > ? AND b.status != 'revoked'`,
      [codeHash, now],
    );
    if (boxCode && boxCode.club_id !== null) {
      if ((await this.sql.run('UPDATE enrollment_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL', [now, codeHash])) === 1) return { kind: 'box', boxId: boxCode.box_id, clubId: boxCode.club_id };
      return undefined;
    }
    const clubCode = await this.sql.get<{ club_id: string; tags: string }>('SELECT club_id, tags FROM club_enrollment_codes WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?', [codeHash, now]);
    if (!clubCode) return undefined;
    if ((await this.sql.run('UPDATE club_enrollment_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL', [now, codeHash])) !== 1) return undefined;
    return { kind: 'club', clubId: clubCode.club_id, tags: JSON.parse(clubCode.tags) as string[] };
  }

  async insert(r: Omit<EnrollmentRequest, 'status' | 'decidedAt' | 'decidedBy' | 'deliveredAt'>): Promise<void> {
    await this.sql.run(
      `INSERT INTO enrollment_requests (id, box_id, club_id, code_kind, hardware, agent_version, poll_secret_hash, status, source_ip, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      [r.id, r.boxId, r.clubId, r.codeKind, JSON.stringify(r.hardware ?? {}), r.agentVersion, r.pollSecretHash, r.sourceIp, r.createdAt],
    );
  }

  async get(id: string): Promise<EnrollmentRequest | undefined> {
    const r = await this.sql.get<RawRequest>('SELECT * FROM enrollment_requests WHERE id = ?', [id]);
    return r && toRequest(r);
  }

  async list(status: EnrollmentStatus | undefined, limit: number): Promise<EnrollmentRequest[]> {
    const rows =
      status === undefined
        ? await this.sql.all<RawRequest>('SELECT * FROM enrollment_requests ORDER BY created_at DESC, id LIMIT ?', [limit])
        : await this.sql.all<RawRequest>('SELECT * FROM enrollment_requests WHERE status = ? ORDER BY created_at DESC, id LIMIT ?', [status, limit]);
    return rows.map(toRequest);
  }

  /** pending -> accepted|rejected; false when the request was not pending. */
  async decide(id: string, outcome: 'accepted' | 'rejected', by: string, now: number): Promise<boolean> {
    return (await this.sql.run("UPDATE enrollment_requests SET status = ?, decided_at = ?, decided_by = ? WHERE id = ? AND status = 'pending'", [outcome, now, by, id])) === 1;
  }

  /** accepted -> delivered, at most once; false when another poll won the race or it is not accepted. */
  async markDelivered(id: string, now: number): Promise<boolean> {
    return (await this.sql.run("UPDATE enrollment_requests SET status = 'delivered', delivered_at = ? WHERE id = ? AND status = 'accepted'", [now, id])) === 1;
  }
}
