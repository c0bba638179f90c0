import type Database from 'better-sqlite3';
import { BOX_FROM, HARDWARE_SQL, OPEN_ALERTS_SQL, boxOrder, boxWhere, type BoxQuery } from './box-query.ts';

export type BoxStatus = 'pending' | 'active' | 'revoked';

export interface BoxSummary {
  id: string;
  clubId: string | null;
  name: string;
  status: BoxStatus;
  tags: string[];
  agentVersion: string | null;
  /** From the box's state message: the running release's hardware model, and the release kept before it. */
  hardware: string | null;
  previousVersion: string | null;
  online: boolean;
  lastSeenAt: number | null;
  rightsVersion: number | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface DeviceRow {
  deviceId: string;
  kind: string;
  status: string;
  detail: unknown;
  statusSince: number;
  updatedAt: number;
}

export interface BoxDetail extends BoxSummary {
  devices: DeviceRow[];
  latestHealth: unknown;
  lastState: unknown;
  /** The box's latest config/reported message, with when the fleet received it. */
  reportedConfig: { report: unknown; receivedAt: number } | null;
}

export interface BoxFilter extends BoxQuery {
  limit: number;
  offset: number;
}

/** A row of the box list: the summary, its club's name, and how many alerts are open on it. */
export interface BoxListRow extends BoxSummary {
  clubName: string | null;
  openAlerts: number;
}

/** What the box list can be filtered by, with counts, over the boxes not revoked. */
export interface BoxFacets {
  total: number;
  active: number;
  online: number;
  withOpenAlerts: number;
  versions: { value: string | null; count: number }[];
  hardware: { value: string | null; count: number }[];
}

export interface ClubRow {
  id: string;
  name: string;
  timezone: string;
  openingHours: unknown;
  createdAt: number;
}

interface RawBox {
  id: string;
  club_id: string | null;
  name: string;
  status: BoxStatus;
  tags: string | null;
  agent_version: string | null;
  online: number;
  last_seen_at: number | null;
  rights_version: number | null;
  created_at: number;
  revoked_at: number | null;
  last_health: string | null;
  last_state: string | null;
  config_reported: string | null;
  config_reported_at: number | null;
}

const parseJson = (s: string | null): unknown => (s === null ? null : (JSON.parse(s) as unknown));

/** Hardware model and previous release, as the box's last state message gave them (absent from older agents). */
function releaseOf(lastState: string | null): { hardware: string | null; previousVersion: string | null } {
  const s = (lastState ? parseJson(lastState) : null) as { hardware?: unknown; previousVersion?: unknown } | null;
  return { hardware: typeof s?.hardware === 'string' ? s.hardware : null, previousVersion: typeof s?.previousVersion === 'string' ? s.previousVersion : null };
}

const toSummary = (r: RawBox): BoxSummary => ({
  id: r.id,
  clubId: r.club_id,
  name: r.name,
  status: r.status,
  tags: r.tags ? r.tags.split('\u001f').sort() : [],
  agentVersion: r.agent_version,
  ...releaseOf(r.last_state),
  online: r.online === 1,
  lastSeenAt: r.last_seen_at,
  rightsVersion: r.rights_version,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

const SELECT_BOX = `SELECT b.*, (SELECT group_concat(tag, char(31)) FROM box_tags t WHERE t.box_id = b.id) AS tags FROM boxes b`;

export interface BoxDirectory {
  /** One page of the boxes matching `f`, in its order. */
  list(f: BoxFilter): Promise<BoxListRow[]>;
  /** How many boxes match `f` (the list's total, for paging). */
  count(f: BoxQuery): Promise<number>;
  facets(): Promise<BoxFacets>;
  get(id: string): Promise<BoxSummary | undefined>;
  detail(id: string): Promise<BoxDetail | undefined>;
  createPending(id: string, clubId: string, name: string, tags: readonly string[], now: number): Promise<boolean>;
  setTags(id: string, tags: readonly string[]): Promise<void>;
  revoke(id: string, now: number): Promise<boolean>;
  deleteIfPending(id: string): Promise<void>;
  liveBoxIdsOfClub(clubId: string): Promise<string[]>;
  countOnline(): Promise<number>;
  upsertClub(c: { id: string; name: string; timezone: string; openingHours: unknown }, now: number): Promise<void>;
  getClub(id: string): Promise<ClubRow | undefined>;
  listClubs(): Promise<ClubRow[]>;
}

/** Boxes and clubs as the API reads and manages them (tables of migration 001). */
export class SqliteBoxDirectory implements BoxDirectory {
  constructor(private readonly db: Database.Database) {}

  async list(f: BoxFilter): Promise<BoxListRow[]> {
    const w = boxWhere(f);
    const sql = `SELECT b.*, c.name AS club_name, ${OPEN_ALERTS_SQL} AS open_alerts, (SELECT group_concat(tag, char(31)) FROM box_tags t WHERE t.box_id = b.id) AS tags
      ${BOX_FROM} ${w} ${boxOrder(f)} LIMIT ? OFFSET ?`;
    return (this.db.prepare(sql).all(...w.args, f.limit, f.offset) as (RawBox & { club_name: string | null; open_alerts: number })[]).map((r) => ({
      ...toSummary(r),
      clubName: r.club_name,
      openAlerts: Number(r.open_alerts),
    }));
  }

  async count(f: BoxQuery): Promise<number> {
    const w = boxWhere(f);
    return Number((this.db.prepare(`SELECT COUNT(*) AS n ${BOX_FROM} ${w}`).get(...w.args) as { n: number }).n);
  }

  async facets(): Promise<BoxFacets> {
    const live = "b.status != 'revoked'";
    const counts = this.db
      .prepare(
        `SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN b.status = 'active' THEN 1 ELSE 0 END), 0) AS active,
          COALESCE(SUM(CASE WHEN b.status = 'active' AND b.online = 1 THEN 1 ELSE 0 END), 0) AS online,
          COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM alerts a WHERE a.box_id = b.id AND a.status = 'open') THEN 1 ELSE 0 END), 0) AS alerted
        FROM boxes b WHERE ${live}`,
      )
      .get() as { total: number; active: number; online: number; alerted: number };
    const groups = (expr: string) =>
      (this.db.prepare(`SELECT ${expr} AS value, COUNT(*) AS n FROM boxes b WHERE ${live} GROUP BY ${expr} ORDER BY (${expr} IS NULL), ${expr}`).all() as { value: string | null; n: number }[]).map(
        (r) => ({ value: r.value, count: Number(r.n) }),
      );
    return {
      total: Number(counts.total),
      active: Number(counts.active),
      online: Number(counts.online),
      withOpenAlerts: Number(counts.alerted),
      versions: groups('b.agent_version'),
      hardware: groups(HARDWARE_SQL),
    };
  }

  async get(id: string): Promise<BoxSummary | undefined> {
    const r = this.db.prepare(`${SELECT_BOX} WHERE b.id = ?`).get(id) as RawBox | undefined;
    return r && toSummary(r);
  }

  async detail(id: string): Promise<BoxDetail | undefined> {
    const r = this.db.prepare(`${SELECT_BOX} WHERE b.id = ?`).get(id) as RawBox | undefined;
    if (!r) return undefined;
    const devices = (
      this.db.prepare('SELECT * FROM devices WHERE box_id = ? ORDER BY device_id').all(id) as {
        device_id: string;
        kind: string;
        status: string;
        detail: string;
        status_since: number;
        updated_at: number;
      }[]
    ).map((d) => ({ deviceId: d.device_id, kind: d.kind, status: d.status, detail: parseJson(d.detail), statusSince: d.status_since, updatedAt: d.updated_at }));
    const reportedConfig = r.config_reported === null ? null : { report: parseJson(r.config_reported), receivedAt: r.config_reported_at as number };
    return { ...toSummary(r), devices, latestHealth: parseJson(r.last_health), lastState: parseJson(r.last_state), reportedConfig };
  }

  /** Creates a pending box (no credential yet). Returns false if the id is taken. */
  async createPending(id: string, clubId: string, name: string, tags: readonly string[], now: number): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM boxes WHERE id = ?').get(id)) return false;
      this.db.prepare("INSERT INTO boxes (id, club_id, name, status, created_at) VALUES (?, ?, ?, 'pending', ?)").run(id, clubId, name, now);
      this.replaceTagsInTx(id, tags);
      return true;
    })();
  }

  async setTags(id: string, tags: readonly string[]): Promise<void> {
    this.db.transaction(() => this.replaceTagsInTx(id, tags))();
  }

  private replaceTagsInTx(id: string, tags: readonly string[]): void {
    this.db.prepare('DELETE FROM box_tags WHERE box_id = ?').run(id);
    const ins = this.db.prepare('INSERT OR IGNORE INTO box_tags (box_id, tag) VALUES (?, ?)');
    for (const t of tags) ins.run(id, t);
  }

  /** Marks the box revoked and forgets its credential, so broker auth refuses it from now on. */
  async revoke(id: string, now: number): Promise<boolean> {
    return (
      this.db.prepare("UPDATE boxes SET status = 'revoked', credential_hash = NULL, broker_credential_hash = NULL, revoked_at = ? WHERE id = ? AND status != 'revoked'").run(now, id)
        .changes === 1
    );
  }

  async deleteIfPending(id: string): Promise<void> {
    this.db.prepare("DELETE FROM boxes WHERE id = ? AND status = 'pending'").run(id);
  }

  /** Ids of the boxes of a club that may receive messages (not revoked). */
  async liveBoxIdsOfClub(clubId: string): Promise<string[]> {
    return (this.db.prepare("SELECT id FROM boxes WHERE club_id = ? AND status = 'active' ORDER BY id").all(clubId) as { id: string }[]).map((r) => r.id);
  }

  async countOnline(): Promise<number> {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM boxes WHERE online = 1 AND status = 'active'").get() as { n: number }).n;
  }

  async upsertClub(c: { id: string; name: string; timezone: string; openingHours: unknown }, now: number): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO clubs (id, name, timezone, opening_hours, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, timezone = excluded.timezone, opening_hours = excluded.opening_hours`,
      )
      .run(c.id, c.name, c.timezone, JSON.stringify(c.openingHours ?? {}), now);
  }

  async getClub(id: string): Promise<ClubRow | undefined> {
    return this.club(id);
  }

  private club(id: string): ClubRow | undefined {
    const r = this.db.prepare('SELECT * FROM clubs WHERE id = ?').get(id) as
      | { id: string; name: string; timezone: string; opening_hours: string; created_at: number }
      | undefined;
    return r && { id: r.id, name: r.name, timezone: r.timezone, openingHours: parseJson(r.opening_hours), createdAt: r.created_at };
  }

  async listClubs(): Promise<ClubRow[]> {
    return (this.db.prepare('SELECT id FROM clubs ORDER BY id').all() as { id: string }[]).map((r) => this.club(r.id) as ClubRow);
  }
}
