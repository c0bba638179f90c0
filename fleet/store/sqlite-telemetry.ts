import type { SqliteDb } from './db.ts';
import { parseJsonObject } from './json.ts';
import type { BoxEvent, EventRepository, HealthPoint, HealthRepository } from './repositories.ts';

export function sqliteHealth(db: SqliteDb): HealthRepository {
  const insertOne = db.prepare('INSERT OR REPLACE INTO health_metrics (box_id, metric, resolution_ms, at, value, samples) VALUES (?, ?, 0, ?, ?, 1)');
  const insertAll = db.transaction((boxId: string, at: number, metrics: Readonly<Record<string, number>>) => {
    for (const [metric, value] of Object.entries(metrics)) if (Number.isFinite(value)) insertOne.run(boxId, metric, at, value);
  });
  // better-sqlite3 binds JS numbers as REAL, hence the CASTs: bucketing needs integer division.
  // Weighted merge: an average already stored for the bucket (an earlier run that saw
  // part of it) is combined with the new one by sample counts.
  const fold = db.prepare(
    `INSERT INTO health_metrics (box_id, metric, resolution_ms, at, value, samples)
     SELECT box_id, metric, @bucket, (at / CAST(@bucket AS INTEGER)) * CAST(@bucket AS INTEGER) AS bucket_at, avg(value), count(*)
       FROM health_metrics WHERE resolution_ms = 0 AND at < @before GROUP BY box_id, metric, bucket_at
     ON CONFLICT (box_id, metric, resolution_ms, at) DO UPDATE SET
       value = (health_metrics.value * health_metrics.samples + excluded.value * excluded.samples) / (health_metrics.samples + excluded.samples),
       samples = health_metrics.samples + excluded.samples`,
  );
  const dropRaw = db.prepare('DELETE FROM health_metrics WHERE resolution_ms = 0 AND at < ?');
  const downsample = db.transaction((before: number, bucket: number) => {
    fold.run({ bucket, before });
    return { folded: dropRaw.run(before).changes };
  });
  return {
    async insert(boxId, at, metrics) {
      insertAll(boxId, at, metrics);
    },
    async downsample(before, bucketMs) {
      return downsample(before, bucketMs);
    },
    async prune(before) {
      return { deleted: db.prepare('DELETE FROM health_metrics WHERE resolution_ms > 0 AND at < ?').run(before).changes };
    },
    async recent(boxId, metric, count) {
      const rows = db.prepare('SELECT value FROM health_metrics WHERE box_id = ? AND metric = ? AND resolution_ms = 0 ORDER BY at DESC LIMIT ?').all(boxId, metric, count) as { value: number }[];
      return rows.map((r) => r.value).reverse();
    },
    async series(boxId, metric, from, to) {
      const rows = db
        .prepare('SELECT at, value, samples, resolution_ms FROM health_metrics WHERE box_id = ? AND metric = ? AND at >= ? AND at < ? ORDER BY at, resolution_ms DESC')
        .all(boxId, metric, from, to) as { at: number; value: number; samples: number; resolution_ms: number }[];
      return rows.map((r): HealthPoint => ({ at: r.at, value: r.value, samples: r.samples, resolutionMs: r.resolution_ms }));
    },
  };
}

interface EventRow {
  box_id: string;
  event_id: string;
  at: number;
  kind: string;
  severity: string;
  subject: string | null;
  data: string;
  received_at: number;
}

export function sqliteEvents(db: SqliteDb): EventRepository {
  const insert = db.prepare(
    'INSERT INTO events (box_id, event_id, at, kind, severity, subject, data, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (box_id, event_id) DO NOTHING',
  );
  // Ties on time go to the event inserted last (the box's order of sending).
  const latest = db.prepare(
    `INSERT INTO latest_events (box_id, family, subject, kind, at, event_id) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (box_id, family, subject) DO UPDATE SET kind = excluded.kind, at = excluded.at, event_id = excluded.event_id WHERE excluded.at >= latest_events.at`,
  );
  const insertOne = db.transaction((boxId: string, e: BoxEvent, receivedAt: number) => {
    if (insert.run(boxId, e.eventId, e.at, e.kind, e.severity, e.subject, JSON.stringify(e.data), receivedAt).changes === 0) return false;
    const dot = e.kind.indexOf('.');
    if (e.subject !== null && dot > 0) latest.run(boxId, e.kind.slice(0, dot), e.subject, e.kind, e.at, e.eventId);
    return true;
  });
  return {
    async insert(boxId, e: BoxEvent, receivedAt) {
      return insertOne(boxId, e, receivedAt);
    },
    async list(boxId, limit) {
      return (db.prepare('SELECT * FROM events WHERE box_id = ? ORDER BY at DESC, id DESC LIMIT ?').all(boxId, limit) as EventRow[]).map((r) => ({
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
    async latestPerSubject(boxId, family) {
      return db.prepare('SELECT subject, kind, at FROM latest_events WHERE box_id = ? AND family = ? ORDER BY subject').all(boxId, family) as { subject: string; kind: string; at: number }[];
    },
  };
}
