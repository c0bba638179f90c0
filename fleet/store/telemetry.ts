import type { Sql } from './sql.ts';
import { parseJsonObject } from './json.ts';
import type { BoxEvent, EventRepository, HealthPoint, HealthRepository } from './repositories.ts';

export function sqlHealth(sql: Sql): HealthRepository {
  return {
    insert(boxId, at, metrics) {
      return sql.transaction(async (tx) => {
        for (const [metric, value] of Object.entries(metrics)) {
          if (!Number.isFinite(value)) continue;
          await tx.run(
            `INSERT INTO health_metrics (box_id, metric, resolution_ms, at, value, samples) VALUES (?, ?, 0, ?, ?, 1)
             ON CONFLICT (box_id, metric, resolution_ms, at) DO UPDATE SET value = excluded.value, samples = 1`,
            [boxId, metric, at, value],
          );
        }
      });
    },
    downsample(before, bucketMs) {
      // The CASTs: bucketing needs integer division, and better-sqlite3 binds JS numbers as REAL.
      // Weighted merge: an average already stored for the bucket (an earlier run that saw
      // part of it) is combined with the new one by sample counts.
      return sql.transaction(async (tx) => {
        await tx.run(
          `INSERT INTO health_metrics (box_id, metric, resolution_ms, at, value, samples)
           SELECT box_id, metric, CAST(? AS BIGINT), (at / CAST(? AS BIGINT)) * CAST(? AS BIGINT) AS bucket_at, avg(value), count(*)
             FROM health_metrics WHERE resolution_ms = 0 AND at < ? GROUP BY box_id, metric, bucket_at
           ON CONFLICT (box_id, metric, resolution_ms, at) DO UPDATE SET
             value = (health_metrics.value * health_metrics.samples + excluded.value * excluded.samples) / (health_metrics.samples + excluded.samples),
             samples = health_metrics.samples + excluded.samples`,
          [bucketMs, bucketMs, bucketMs, before],
        );
        return { folded: await tx.run('DELETE FROM health_metrics WHERE resolution_ms = 0 AND at < ?', [before]) };
      });
    },
    async prune(before) {
      return { deleted: await sql.run('DELETE FROM health_metrics WHERE resolution_ms > 0 AND at < ?', [before]) };
    },
    async recent(boxId, metric, count) {
      const rows = await sql.all<{ value: number }>('SELECT value FROM health_metrics WHERE box_id = ? AND metric = ? AND resolution_ms = 0 ORDER BY at DESC LIMIT ?', [boxId, metric, count]);
      return rows.map((r) => r.value).reverse();
    },
    async series(boxId, metric, from, to) {
      const rows = await sql.all<{ at: number; value: number; samples: number; resolution_ms: number }>(
        'SELECT at, value, samples, resolution_ms FROM health_metrics WHERE box_id = ? AND metric = ? AND at >= ? AND at < ? ORDER BY at, resolution_ms DESC',
        [boxId, metric, from, to],
      );
      return rows.map((r): HealthPoint => ({ at: r.at, value: r.value, samples: r.samples, resolutionMs: r.resolution_ms }));
    },
  };
}

/** A row of the events table as the database returns it. */
export interface EventTableRow {
  box_id: string;
  event_id: string;
  at: number;
  kind: string;
  severity: string;
  subject: string | null;
  data: string;
  received_at: number;
}

export function sqlEvents(sql: Sql): EventRepository {
  return {
    insert(boxId, e: BoxEvent, receivedAt) {
      return sql.transaction(async (tx) => {
        const added = await tx.run(
          'INSERT INTO events (box_id, event_id, at, kind, severity, subject, data, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (box_id, event_id) DO NOTHING',
          [boxId, e.eventId, e.at, e.kind, e.severity, e.subject, JSON.stringify(e.data), receivedAt],
        );
        if (added === 0) return false;
        const dot = e.kind.indexOf('.');
        // Ties on time go to the event inserted last (the box's order of sending).
        if (e.subject !== null && dot > 0) {
          await tx.run(
            `INSERT INTO latest_events (box_id, family, subject, kind, at, event_id) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (box_id, family, subject) DO UPDATE SET kind = excluded.kind, at = excluded.at, event_id = excluded.event_id WHERE excluded.at >= latest_events.at`,
            [boxId, e.kind.slice(0, dot), e.subject, e.kind, e.at, e.eventId],
          );
        }
        return true;
      });
    },
    async list(boxId, limit) {
      return (await sql.all<EventTableRow>('SELECT * FROM events WHERE box_id = ? ORDER BY at DESC, id DESC LIMIT ?', [boxId, limit])).map((r) => ({
        boxId: r.box_id,
        eventId: r.event_id,
        at: r.at,
        kind: r.kind,
        severity: r.severity,
        subject: r.subject,
        data: parseJsonObject(r.data),
        receivedAt: r.received_at,
      }));
    },
    latestPerSubject(boxId, family) {
      return sql.all<{ subject: string; kind: string; at: number }>('SELECT subject, kind, at FROM latest_events WHERE box_id = ? AND family = ? ORDER BY subject', [boxId, family]);
    },
  };
}
