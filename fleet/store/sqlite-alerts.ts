import type { SqliteDb } from './db.ts';
import { parseJsonObject } from './json.ts';
import type { Alert, AlertKey, AlertRepository, AlertSeverity } from './repositories.ts';

/** An `alerts` table row as SQLite returns it. */
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

export function sqliteAlerts(db: SqliteDb): AlertRepository {
  const getOpen = db.prepare("SELECT * FROM alerts WHERE box_id = ? AND rule = ? AND subject = ? AND status = 'open'");
  const insert = db.prepare("INSERT INTO alerts (box_id, rule, subject, severity, status, message, detail, opened_at, updated_at) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?)");
  const refresh = db.prepare('UPDATE alerts SET severity = ?, message = ?, detail = ?, updated_at = ? WHERE id = ?');
  const resolve = db.prepare("UPDATE alerts SET status = 'resolved', resolved_at = ?, updated_at = ? WHERE id = ?");
  const byId = db.prepare('SELECT * FROM alerts WHERE id = ?');
  const open = (k: AlertKey) => getOpen.get(k.boxId, k.rule, k.subject) as AlertTableRow | undefined;
  const raise = db.transaction((k: AlertKey, a: { severity: AlertSeverity; message: string; detail: Record<string, unknown> }, at: number) => {
    const existing = open(k);
    if (existing) {
      refresh.run(a.severity, a.message, JSON.stringify(a.detail), at, existing.id);
      return { alert: toAlert(byId.get(existing.id) as AlertTableRow), opened: false };
    }
    const id = insert.run(k.boxId, k.rule, k.subject, a.severity, a.message, JSON.stringify(a.detail), at, at).lastInsertRowid;
    return { alert: toAlert(byId.get(id) as AlertTableRow), opened: true };
  });
  return {
    async raise(key, alert, at) {
      return raise(key, alert, at);
    },
    async resolve(key, at) {
      const existing = open(key);
      if (!existing) return undefined;
      resolve.run(at, at, existing.id);
      return toAlert(byId.get(existing.id) as AlertTableRow);
    },
    async getOpen(key) {
      const r = open(key);
      return r ? toAlert(r) : undefined;
    },
    async listOpen(boxId) {
      const rows = (boxId === undefined
        ? db.prepare("SELECT * FROM alerts WHERE status = 'open' ORDER BY opened_at, id").all()
        : db.prepare("SELECT * FROM alerts WHERE status = 'open' AND box_id = ? ORDER BY opened_at, id").all(boxId)) as AlertTableRow[];
      return rows.map(toAlert);
    },
    async history(boxId, limit) {
      return (db.prepare('SELECT * FROM alerts WHERE box_id = ? ORDER BY opened_at DESC, id DESC LIMIT ?').all(boxId, limit) as AlertTableRow[]).map(toAlert);
    },
  };
}
