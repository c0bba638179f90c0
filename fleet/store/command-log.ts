import { parseJsonObject } from './json.ts';
import type { Sql } from './sql.ts';
import { Where } from './where.ts';

export type CommandStatus = 'pending' | 'sent' | 'succeeded' | 'failed' | 'expired' | 'rejected';

export interface CommandRow {
  id: string;
  boxId: string;
  kind: string;
  args: Record<string, unknown>;
  createdAt: number;
  expiresAt: number;
  operator: string;
  ticket: string | null;
  status: CommandStatus;
  result: unknown;
  updatedAt: number;
}

interface RawRow {
  id: string;
  box_id: string;
  kind: string;
  args: string;
  created_at: number;
  expires_at: number;
  operator: string;
  ticket: string | null;
  status: CommandStatus;
  result: string | null;
  updated_at: number;
}

const toRow = (r: RawRow): CommandRow => ({
  id: r.id,
  boxId: r.box_id,
  kind: r.kind,
  args: parseJsonObject(r.args),
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  operator: r.operator,
  ticket: r.ticket,
  status: r.status,
  result: r.result === null ? null : (JSON.parse(r.result) as unknown),
  updatedAt: r.updated_at,
});

export interface CommandLog {
  insert(c: Omit<CommandRow, 'status' | 'result' | 'updatedAt'>): Promise<void>;
  get(id: string): Promise<CommandRow | undefined>;
  list(f: { boxId?: string; status?: CommandStatus; limit: number }): Promise<CommandRow[]>;
  markSent(id: string, now: number): Promise<void>;
  recordResult(id: string, boxId: string, status: Exclude<CommandStatus, 'pending' | 'sent'>, result: unknown, now: number): Promise<boolean>;
  expireDue(now: number): Promise<number>;
}

/** Remote commands and their results (commands table of migration 001). */
export class SqlCommandLog implements CommandLog {
  constructor(private readonly sql: Sql) {}

  async insert(c: Omit<CommandRow, 'status' | 'result' | 'updatedAt'>): Promise<void> {
    await this.sql.run(
      `INSERT INTO commands (id, box_id, kind, args, created_at, expires_at, operator, ticket, status, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
      [c.id, c.boxId, c.kind, JSON.stringify(c.args), c.createdAt, c.expiresAt, c.operator, c.ticket, c.createdAt],
    );
  }

  async get(id: string): Promise<CommandRow | undefined> {
    const r = await this.sql.get<RawRow>('SELECT * FROM commands WHERE id = ?', [id]);
    return r && toRow(r);
  }

  async list(f: { boxId?: string; status?: CommandStatus; limit: number }): Promise<CommandRow[]> {
    const w = new Where().add('box_id = ?', f.boxId).add('status = ?', f.status);
    return (await this.sql.all<RawRow>(`SELECT * FROM commands ${w} ORDER BY created_at DESC, id DESC LIMIT ?`, [...w.args, f.limit])).map(toRow);
  }

  async markSent(id: string, now: number): Promise<void> {
    await this.sql.run("UPDATE commands SET status = 'sent', updated_at = ? WHERE id = ? AND status = 'pending'", [now, id]);
  }

  /**
   * Records the box's answer. A result overrides an expiry the fleet inferred (the box
   * ran it in time, the answer was late), never an earlier answer of the box.
   */
  async recordResult(id: string, boxId: string, status: Exclude<CommandStatus, 'pending' | 'sent'>, result: unknown, now: number): Promise<boolean> {
    const changed = await this.sql.run(
      "UPDATE commands SET status = ?, result = ?, updated_at = ? WHERE id = ? AND box_id = ? AND result IS NULL AND status IN ('pending', 'sent', 'expired')",
      [status, JSON.stringify(result), now, id, boxId],
    );
    return changed === 1;
  }

  /** Unanswered commands past their expiry become expired; returns how many. */
  expireDue(now: number): Promise<number> {
    return this.sql.run("UPDATE commands SET status = 'expired', updated_at = ? WHERE status IN ('pending', 'sent') AND expires_at <= ?", [now, now]);
  }
}
