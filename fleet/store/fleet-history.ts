import type Database from 'better-sqlite3';
import { parseJsonObject } from './json.ts';
import { Where } from './where.ts';
import type { Alert } from './repositories.ts';
import { toAlert, type AlertTableRow } from './sqlite-alerts.ts';

export interface HealthSample {
  metric: string;
  at: number;
  value: number;
  samples: number;
  resolutionMs: number;
}

export interface EventRow {
  id: number;
  boxId: string;
  eventId: string;
  at: number;
  kind: string;
  severity: string;
  subject: string | null;
  data: Record<string, unknown>;
  receivedAt: number;
}

export interface EventFilter {
  boxId?: string;
  clubId?: string;
  kind?: string;
  severity?: string;
  from?: number;
  to?: number;
  limit: number;
}

export interface AlertFilter {
  boxId?: string;
  clubId?: string;
  status?: string;
  severity?: string;
  limit: number;
}

export interface FleetHistory {
  health(boxId: string, metric: string | undefined, from: number, to: number, limit: number): Promise<HealthSample[]>;
  events(f: EventFilter): Promise<EventRow[]>;
  alerts(f: AlertFilter): Promise<Alert[]>;
  countOpenAlerts(): Promise<number>;
}

/** The API's read queries over what ingest and alerts wrote (health, events, alerts). */
export class SqliteFleetHistory implements FleetHistory {
  constructor(private readonly db: Database.Database) {}

  async health(boxId: string, metric: string | undefined, from: number, to: number, limit: number): Promise<HealthSample[]> {
    const w = new Where().add('box_id = ?', boxId).add('metric = ?', metric).add('at >= ?', from).add('at < ?', to);
    const rows = this.db
      .prepare(`SELECT metric, at, value, samples, resolution_ms FROM health_metrics ${w} ORDER BY at, metric, resolution_ms DESC LIMIT ?`)
      .all(...w.args, limit) as { metric: string; at: number; value: number; samples: number; resolution_ms: number }[];
    return rows.map((r) => ({ metric: r.metric, at: r.at, value: r.value, samples: r.samples, resolutionMs: r.resolution_ms }));
  }

  async events(f: EventFilter): Promise<EventRow[]> {
    const w = new Where()
      .add('e.box_id = ?', f.boxId)
      .add('b.club_id = ?', f.clubId)
      .add('e.kind = ?', f.kind)
      .add('e.severity = ?', f.severity)
      .add('e.at >= ?', f.from)
      .add('e.at < ?', f.to);
    const rows = this.db.prepare(`SELECT e.* FROM events e JOIN boxes b ON b.id = e.box_id ${w} ORDER BY e.at DESC, e.id DESC LIMIT ?`).all(...w.args, f.limit) as {
      id: number;
      box_id: string;
      event_id: string;
      at: number;
      kind: string;
      severity: string;
      subject: string | null;
      data: string;
      received_at: number;
    }[];
    return rows.map((r) => ({
      id: r.id,
      boxId: r.box_id,
      eventId: r.event_id,
      at: r.at,
      kind: r.kind,
      severity: r.severity,
      subject: r.subject,
      data: parseJsonObject(r.data),
      receivedAt: r.received_at,
    }));
  }

  async alerts(f: AlertFilter): Promise<Alert[]> {
    const w = new Where().add('a.box_id = ?', f.boxId).add('b.club_id = ?', f.clubId).add('a.status = ?', f.status).add('a.severity = ?', f.severity);
    const rows = this.db.prepare(`SELECT a.* FROM alerts a JOIN boxes b ON b.id = a.box_id ${w} ORDER BY a.opened_at DESC, a.id DESC LIMIT ?`).all(...w.args, f.limit) as AlertTableRow[];
    return rows.map(toAlert);
  }

  async countOpenAlerts(): Promise<number> {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM alerts WHERE status = 'open'").get() as { n: number }).n;
  }
}
