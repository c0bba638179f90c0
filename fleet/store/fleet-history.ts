import { parseJsonObject } from './json.ts';
import { Where } from './where.ts';
import type { Alert } from './repositories.ts';
import { toAlert, type AlertTableRow } from './alerts.ts';
import type { Sql } from './sql.ts';
import type { EventTableRow } from './telemetry.ts';

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
export class SqlFleetHistory implements FleetHistory {
  constructor(private readonly sql: Sql) {}

  async health(boxId: string, metric: string | undefined, from: number, to: number, limit: number): Promise<HealthSample[]> {
    const w = new Where().add('box_id = ?', boxId).add('metric = ?', metric).add('at >= ?', from).add('at < ?', to);
    const rows = await this.sql.all<{ metric: string; at: number; value: number; samples: number; resolution_ms: number }>(
      `SELECT metric, at, value, samples, resolution_ms FROM health_metrics ${w} ORDER BY at, metric, resolution_ms DESC LIMIT ?`,
      [...w.args, limit],
    );
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
    const rows = await this.sql.all<EventTableRow & { id: number }>(`SELECT e.* FROM events e JOIN boxes b ON b.id = e.box_id ${w} ORDER BY e.at DESC, e.id DESC LIMIT ?`, [...w.args, f.limit]);
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
    return (await this.sql.all<AlertTableRow>(`SELECT a.* FROM alerts a JOIN boxes b ON b.id = a.box_id ${w} ORDER BY a.opened_at DESC, a.id DESC LIMIT ?`, [...w.args, f.limit])).map(toAlert);
  }

  async countOpenAlerts(): Promise<number> {
    return (await this.sql.get<{ n: number }>("SELECT COUNT(*) AS n FROM alerts WHERE status = 'open'"))?.n ?? 0;
  }
}
