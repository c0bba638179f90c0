import type { Sql } from './sql.ts';
import { parseJsonObject } from './json.ts';
import type { Alert, AlertKey, AlertRepository, AlertSeverity } from './repositories.ts';

/** An `alerts` table row as the engine returns it. */
export interface AlertTableRow {
  id: number;
  box_id: string;
  rule: string;
  subject: string;
  severity: AlertSeverity;
  status: 'open' | 'resolved';
  message: string;
  detail: string;
  opened_at: number;
  updated_at: number;
  resolved_at: number | null;
}

export const toAlert = (r: AlertTableRow): Alert => ({
  id: r.id,
  boxId: r.box_id,
  rule: r.rule,
  subject: r.subject,
  severity: r.severity,
  status: r.status,
  message: r.message,
  detail: parseJsonObject(r.detail),
  openedAt: r.opened_at,
  updatedAt: r.updated_at,
  resolvedAt: r.resolved_at,
});

export function sqlAlerts(sql: Sql): AlertRepository {
  const open = (on: Sql, k: AlertKey) => on.get<AlertTableRow>("SELECT * FROM alerts WHERE box_id = ? AND rule = ? AND subject = ? AND status = 'open'", [k.boxId, k.rule, k.subject]);
  const byId = async (on: Sql, id: number) => toAlert((await on.get<AlertTableRow>('SELECT * FROM alerts WHERE id = ?', [id])) as AlertTableRow);
  return {
    raise(k, a, at) {
      return sql.transaction(async (tx) => {
        const existing = await open(tx, k);
        if (existing) {
          await tx.run('UPDATE alerts SET severity = ?, message = ?, detail = ?, updated_at = ? WHERE id = ?', [a.severity, a.message, JSON.stringify(a.detail), at, existing.id]);
          return { alert: await byId(tx, existing.id), opened: false };
        }
        const row = await tx.get<AlertTableRow>(
          "INSERT INTO alerts (box_id, rule, subject, severity, status, message, detail, opened_at, updated_at) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?) RETURNING *",
          [k.boxId, k.rule, k.subject, a.severity, a.message, JSON.stringify(a.detail), at, at],
        );
        return { alert: toAlert(row as AlertTableRow), opened: true };
      });
    },
    resolve(key, at) {
      return sql.transaction(async (tx) => {
        const existing = await open(tx, key);
        if (!existing) return undefined;
        await tx.run("UPDATE alerts SET status = 'resolved', resolved_at = ?, updated_at = ? WHERE id = ?", [at, at, existing.id]);
        return byId(tx, existing.id);
      });
    },
    async getOpen(key) {
      const r = await open(sql, key);
      return r ? toAlert(r) : undefined;
    },
    async listOpen(boxId) {
      const rows =
        boxId === undefined
          ? await sql.all<AlertTableRow>("SELECT * FROM alerts WHERE status = 'open' ORDER BY opened_at, id")
          : await sql.all<AlertTableRow>("SELECT * FROM alerts WHERE status = 'open' AND box_id = ? ORDER BY opened_at, id", [boxId]);
      return rows.map(toAlert);
    },
    async history(boxId, limit) {
      return (await sql.all<AlertTableRow>('SELECT * FROM alerts WHERE box_id = ? ORDER BY opened_at DESC, id DESC LIMIT ?', [boxId, limit])).map(toAlert);
    },
  };
}
