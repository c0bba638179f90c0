import type { AccessRight, Booking, Member } from '../../protocol/mqtt/index.ts';
import { parseJsonObject } from './json.ts';
import { toAlert, type AlertTableRow } from './alerts.ts';
import { passFromColumns, type PassColumns } from './passes.ts';
import type { Alert } from './repositories.ts';
import type { Sql } from './sql.ts';

/** A member found by name or id, in one club. */
export interface MemberHit {
  readonly clubId: string;
  readonly memberId: string;
  readonly name: string;
}

/** What a club holds about a member today: the record, rights, bookings and credentials (without their values). */
export interface MemberRecords {
  readonly clubId: string;
  readonly member: Member;
  readonly rights: readonly AccessRight[];
  readonly bookings: readonly Booking[];
  readonly credentials: readonly { readonly id: string; readonly kind: string; readonly validFrom: number | null; readonly validTo: number | null }[];
}

/** An audit row about a box (its commands, configuration, enrollment, tags, bundles). */
export interface BoxAuditRow {
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly ticket: string | null;
  readonly detail: Record<string, unknown>;
}

export interface RolloutBoxRow {
  readonly rolloutId: string;
  readonly version: string;
  readonly state: string;
  readonly updateState: string | null;
  readonly lastError: string | null;
  readonly at: number;
}

/** A stored pass with its box's club. */
export type MemberPass = ReturnType<typeof passFromColumns> & { readonly clubId: string | null };

export interface CommandInWindow {
  readonly id: string;
  readonly kind: string;
  readonly args: Record<string, unknown>;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly operator: string;
  readonly ticket: string | null;
  readonly status: string;
  readonly result: unknown;
}

/**
 * Support's read queries (member view, incident timeline, escalation bundle), async like
 * every repository added since the store went async (a PostgreSQL store implements the same
 * interface). Members are searched by name or id across clubs; box history is read for a
 * time window [from, to).
 */
export interface SupportQueries {
  findMembers(text: string, limit: number): Promise<MemberHit[]>;
  memberRecords(memberId: string): Promise<MemberRecords[]>;
  /** The member's newest passes across every box, newest first. */
  memberPasses(memberId: string, limit: number): Promise<MemberPass[]>;
  alertsBetween(boxId: string, from: number, to: number, limit: number): Promise<Alert[]>;
  commandsBetween(boxId: string, from: number, to: number, limit: number): Promise<CommandInWindow[]>;
  auditOfBox(boxId: string, from: number, to: number, limit: number): Promise<BoxAuditRow[]>;
  rolloutsOfBox(boxId: string, from: number, to: number): Promise<RolloutBoxRow[]>;
  /** The box's latest connection change (went online or offline) if it happened in the window. */
  presenceChangeBetween(boxId: string, from: number, to: number): Promise<{ at: number; online: boolean } | undefined>;
  /** The box's latest config/reported message if it arrived in the window. */
  configReportedBetween(boxId: string, from: number, to: number): Promise<{ at: number; report: Record<string, unknown> } | undefined>;
}

/** LIKE pattern of a free text: its own % and _ match themselves. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
const contains = (text: string) => `%${escapeLike(text)}%`;

/** On the Sql seam: SQLite and PostgreSQL alike (case-insensitive search through lower(), which both have). */
export class SqlSupportQueries implements SupportQueries {
  constructor(private readonly sql: Sql) {}

  async findMembers(text: string, limit: number): Promise<MemberHit[]> {
    const rows = await this.sql.all<{ club_id: string; id: string; name: string }>(
      "SELECT club_id, id, name FROM members WHERE deleted = 0 AND (lower(name) LIKE lower(?) ESCAPE '\\' OR id = ?) ORDER BY name, club_id, id LIMIT ?",
      [contains(text), text, limit],
    );
    return rows.map((r) => ({ clubId: r.club_id, memberId: r.id, name: r.name }));
  }

  async memberRecords(memberId: string): Promise<MemberRecords[]> {
    const members = await this.sql.all<{ club_id: string; data: string }>('SELECT club_id, data FROM members WHERE id = ? AND deleted = 0 ORDER BY club_id', [memberId]);
    const out: MemberRecords[] = [];
    for (const m of members) {
      const of = async (table: string) => (await this.sql.all<{ data: string }>(`SELECT data FROM ${table} WHERE club_id = ? AND member_id = ? AND deleted = 0 ORDER BY id`, [m.club_id, memberId])).map((r) => JSON.parse(r.data) as unknown);
      const credentials = await this.sql.all<{ id: string; kind: string; valid_from: number | null; valid_until: number | null }>(
        'SELECT id, kind, valid_from, valid_until FROM credentials WHERE club_id = ? AND member_id = ? AND deleted = 0 ORDER BY id',
        [m.club_id, memberId],
      );
      out.push({
        clubId: m.club_id,
        member: JSON.parse(m.data) as Member,
        rights: (await of('access_rights')) as AccessRight[],
        bookings: (await of('rights_bookings')) as Booking[],
        credentials: credentials.map((c) => ({ id: c.id, kind: c.kind, validFrom: c.valid_from, validTo: c.valid_until })),
      });
    }
    return out;
  }

  async memberPasses(memberId: string, limit: number): Promise<MemberPass[]> {
    const rows = await this.sql.all<PassColumns & { club_id: string | null }>('SELECT p.*, b.club_id FROM passes p JOIN boxes b ON b.id = p.box_id WHERE p.member_id = ? ORDER BY p.at DESC, p.box_id, p.seq DESC LIMIT ?', [memberId, limit]);
    return rows.map((r) => ({ ...passFromColumns(r), clubId: r.club_id }));
  }

  async alertsBetween(boxId: string, from: number, to: number, limit: number): Promise<Alert[]> {
    const rows = await this.sql.all<AlertTableRow>('SELECT * FROM alerts WHERE box_id = ? AND opened_at < ? AND (resolved_at IS NULL OR resolved_at >= ?) ORDER BY opened_at, id LIMIT ?', [boxId, to, from, limit]);
    return rows.map(toAlert);
  }

  async commandsBetween(boxId: string, from: number, to: number, limit: number): Promise<CommandInWindow[]> {
    const rows = await this.sql.all<{ id: string; kind: string; args: string; created_at: number; updated_at: number; operator: string; ticket: string | null; status: string; result: string | null }>(
      'SELECT * FROM commands WHERE box_id = ? AND created_at >= ? AND created_at < ? ORDER BY created_at, id LIMIT ?',
      [boxId, from, to, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      args: parseJsonObject(r.args),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      operator: r.operator,
      ticket: r.ticket,
      status: r.status,
      result: r.result === null ? null : (JSON.parse(r.result) as unknown),
    }));
  }

  async auditOfBox(boxId: string, from: number, to: number, limit: number): Promise<BoxAuditRow[]> {
    const rows = await this.sql.all<{ at: number; actor: string; action: string; ticket: string | null; detail: string }>(
      "SELECT at, actor, action, ticket, detail FROM audit_log WHERE (target = ? OR target LIKE ? ESCAPE '\\') AND at >= ? AND at < ? ORDER BY at, id LIMIT ?",
      [boxId, `${escapeLike(boxId)}/%`, from, to, limit],
    );
    return rows.map((r) => ({ at: r.at, actor: r.actor, action: r.action, ticket: r.ticket, detail: parseJsonObject(r.detail) }));
  }

  async rolloutsOfBox(boxId: string, from: number, to: number): Promise<RolloutBoxRow[]> {
    const rows = await this.sql.all<{ rollout_id: string; version: string; state: string; update_state: string | null; last_error: string | null; last_change_at: number }>(
      `SELECT rb.rollout_id, r.version, rb.state, rb.update_state, rb.last_error, rb.last_change_at FROM rollout_boxes rb JOIN rollouts r ON r.id = rb.rollout_id
       WHERE rb.box_id = ? AND rb.last_change_at >= ? AND rb.last_change_at < ? ORDER BY rb.last_change_at`,
      [boxId, from, to],
    );
    return rows.map((r) => ({ rolloutId: r.rollout_id, version: r.version, state: r.state, updateState: r.update_state, lastError: r.last_error, at: r.last_change_at }));
  }

  async presenceChangeBetween(boxId: string, from: number, to: number): Promise<{ at: number; online: boolean } | undefined> {
    const row = await this.sql.get<{ online: number; online_changed_at: number }>('SELECT online, online_changed_at FROM boxes WHERE id = ? AND online_changed_at >= ? AND online_changed_at < ?', [boxId, from, to]);
    return row === undefined ? undefined : { at: row.online_changed_at, online: row.online === 1 };
  }

  async configReportedBetween(boxId: string, from: number, to: number): Promise<{ at: number; report: Record<string, unknown> } | undefined> {
    const row = await this.sql.get<{ config_reported: string; config_reported_at: number }>('SELECT config_reported, config_reported_at FROM boxes WHERE id = ? AND config_reported_at >= ? AND config_reported_at < ?', [boxId, from, to]);
    return row === undefined ? undefined : { at: row.config_reported_at, report: parseJsonObject(row.config_reported) };
  }
}
