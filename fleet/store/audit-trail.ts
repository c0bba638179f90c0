import type Database from 'better-sqlite3';

export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  actorRole: string | null;
  action: string;
  target: string | null;
  ticket: string | null;
  detail: unknown;
  sourceIp: string | null;
}

export interface AuditRecord {
  at: number;
  actor: string;
  actorRole: string | null;
  action: string;
  target: string | null;
  ticket: string | null;
  detail: unknown;
  sourceIp: string | null;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  target?: string;
  ticket?: string;
  from?: number;
  to?: number;
  limit: number;
}

interface RawRow {
  id: number;
  at: number;
  actor: string;
  actor_role: string | null;
  action: string;
  target: string | null;
  ticket: string | null;
  detail: string;
  source_ip: string | null;
}

export interface AuditTrail {
  append(r: AuditRecord): Promise<number>;
  query(q: AuditQuery): Promise<AuditEntry[]>;
}

/** The append-only audit log of state-changing API calls (audit_log, migrations 001 + 101). */
export class SqliteAuditTrail implements AuditTrail {
  constructor(private readonly db: Database.Database) {}

  async append(r: AuditRecord): Promise<number> {
    return Number(
      this.db
        .prepare('INSERT INTO audit_log (at, actor, actor_role, action, target, ticket, detail, source_ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(r.at, r.actor, r.actorRole, r.action, r.target, r.ticket, JSON.stringify(r.detail ?? {}), r.sourceIp).lastInsertRowid,
    );
  }

  async query(q: AuditQuery): Promise<AuditEntry[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    for (const [col, v] of [
      ['actor', q.actor],
      ['action', q.action],
      ['target', q.target],
      ['ticket', q.ticket],
    ] as const) {
      if (v !== undefined) {
        where.push(`${col} = ?`);
        args.push(v);
      }
    }
    if (q.from !== undefined) {
      where.push('at >= ?');
      args.push(q.from);
    }
    if (q.to !== undefined) {
      where.push('at < ?');
      args.push(q.to);
    }
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit) as RawRow[]).map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      actorRole: r.actor_role,
      action: r.action,
      target: r.target,
      ticket: r.ticket,
      detail: JSON.parse(r.detail) as unknown,
      sourceIp: r.source_ip,
    }));
  }
}
