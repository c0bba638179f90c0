import type { Sql } from './sql.ts';
import { Where } from './where.ts';

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
  /** Rows about one box: calls on it (its id, alone or first, as target) and silences of it. */
  boxId?: string;
  from?: number;
  to?: number;
  /** Keyset paging: rows with an id below this one (the list is newest first). */
  before?: number;
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
export class SqlAuditTrail implements AuditTrail {
  constructor(private readonly sql: Sql) {}

  async append(r: AuditRecord): Promise<number> {
    const row = await this.sql.get<{ id: number }>(
      'INSERT INTO audit_log (at, actor, actor_role, action, target, ticket, detail, source_ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
      [r.at, r.actor, r.actorRole, r.action, r.target, r.ticket, JSON.stringify(r.detail ?? {}), r.sourceIp],
    );
    return Number(row?.id);
  }

  async query(q: AuditQuery): Promise<AuditEntry[]> {
    const w = new Where()
      .add('actor = ?', q.actor)
      .add('action = ?', q.action)
      .add('target = ?', q.target)
      .add('ticket = ?', q.ticket)
      .add('at >= ?', q.from)
      .add('at < ?', q.to)
      .add('id < ?', q.before);
    if (q.boxId !== undefined) {
      w.clauses.push("(target = ? OR target LIKE ? ESCAPE '\\' OR target = ?)");
      w.args.push(q.boxId, `${q.boxId.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`, `box:${q.boxId}`);
    }
    return (await this.sql.all<RawRow>(`SELECT * FROM audit_log ${w} ORDER BY id DESC LIMIT ?`, [...w.args, q.limit])).map((r) => ({
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
