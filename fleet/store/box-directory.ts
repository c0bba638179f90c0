import { BOX_FROM, OPEN_ALERTS_SQL, boxOrder, boxWhere, hardwareSql, type BoxQuery } from './box-query.ts';
import type { Sql } from './sql.ts';

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

const SELECT_BOX = `SELECT b.*, (SELECT string_agg(tag, chr(31)) FROM box_tags t WHERE t.box_id = b.id) AS tags FROM boxes b`;

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

interface RawDevice {
  device_id: string;
  kind: string;
  status: string;
  detail: string;
  status_since: number;
  updated_at: number;
}

interface RawClub {
  id: string;
  name: string;
  timezone: string;
  opening_hours: string;
  created_at: number;
}

const toClub = (r: RawClub): ClubRow => ({ id: r.id, name: r.name, timezone: r.timezone, openingHours: parseJson(r.opening_hours), createdAt: r.created_at });

async function replaceTags(tx: Sql, id: string, tags: readonly string[]): Promise<void> {
  await tx.run('DELETE FROM box_tags WHERE box_id = ?', [id]);
  for (const t of tags) await tx.run('INSERT INTO box_tags (box_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING', [id, t]);
}

/** Boxes and clubs as the API reads and manages them (tables of migration 001). */
export class SqlBoxDirectory implements BoxDirectory {
  constructor(private readonly sql: Sql) {}

  async list(f: BoxFilter): Promise<BoxListRow[]> {
    const w = boxWhere(f, this.sql.dialect);
    const rows = await this.sql.all<RawBox & { club_name: string | null; open_alerts: number | string }>(
      `SELECT b.*, c.name AS club_name, ${OPEN_ALERTS_SQL} AS open_alerts, (SELECT string_agg(tag, chr(31)) FROM box_tags t WHERE t.box_id = b.id) AS tags
        ${BOX_FROM} ${w} ${boxOrder(f, this.sql.dialect)} LIMIT ? OFFSET ?`,
      [...w.args, f.limit, f.offset],
    );
    return rows.map((r) => ({ ...toSummary(r), clubName: r.club_name, openAlerts: Number(r.open_alerts) }));
  }

  async count(f: BoxQuery): Promise<number> {
    const w = boxWhere(f, this.sql.dialect);
    return Number((await this.sql.get<{ n: number | string }>(`SELECT COUNT(*) AS n ${BOX_FROM} ${w}`, w.args))?.n ?? 0);
  }

  async facets(): Promise<BoxFacets> {
    const live = "b.status != 'revoked'";
    const counts = await this.sql.get<Record<'total' | 'active' | 'online' | 'alerted', number | string>>(
      `SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN b.status = 'active' THEN 1 ELSE 0 END), 0) AS active,
        COALESCE(SUM(CASE WHEN b.status = 'active' AND b.online = 1 THEN 1 ELSE 0 END), 0) AS online,
        COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM alerts a WHERE a.box_id = b.id AND a.status = 'open') THEN 1 ELSE 0 END), 0) AS alerted
      FROM boxes b WHERE ${live}`,
    );
    const groups = async (expr: string) =>
      (await this.sql.all<{ value: string | null; n: number | string }>(`SELECT ${expr} AS value, COUNT(*) AS n FROM boxes b WHERE ${live} GROUP BY ${expr} ORDER BY (${expr} IS NULL), ${expr}`)).map((r) => ({
        value: r.value,
        count: Number(r.n),
      }));
    return {
      total: Number(counts?.total ?? 0),
      active: Number(counts?.active ?? 0),
      online: Number(counts?.online ?? 0),
      withOpenAlerts: Number(counts?.alerted ?? 0),
      versions: await groups('b.agent_version'),
      hardware: await groups(hardwareSql(this.sql.dialect)),
    };
  }

  async get(id: string): Promise<BoxSummary | undefined> {
    const r = await this.sql.get<RawBox>(`${SELECT_BOX} WHERE b.id = ?`, [id]);
    return r && toSummary(r);
  }

  async detail(id: string): Promise<BoxDetail | undefined> {
    const r = await this.sql.get<RawBox>(`${SELECT_BOX} WHERE b.id = ?`, [id]);
    if (!r) return undefined;
    const devices = (await this.sql.all<RawDevice>('SELECT * FROM devices WHERE box_id = ? ORDER BY device_id', [id])).map((d) => ({
      deviceId: d.device_id,
      kind: d.kind,
      status: d.status,
      detail: parseJson(d.detail),
      statusSince: d.status_since,
      updatedAt: d.updated_at,
    }));
    const reportedConfig = r.config_reported === null ? null : { report: parseJson(r.config_reported), receivedAt: r.config_reported_at as number };
    return { ...toSummary(r), devices, latestHealth: parseJson(r.last_health), lastState: parseJson(r.last_state), reportedConfig };
  }

  /** Creates a pending box (no credential yet). Returns false if the id is taken. */
  createPending(id: string, clubId: string, name: string, tags: readonly string[], now: number): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const added = await tx.run("INSERT INTO boxes (id, club_id, name, status, created_at) VALUES (?, ?, ?, 'pending', ?) ON CONFLICT (id) DO NOTHING", [id, clubId, name, now]);
      if (added === 0) return false;
      await replaceTags(tx, id, tags);
      return true;
    });
  }

  setTags(id: string, tags: readonly string[]): Promise<void> {
    return this.sql.transaction((tx) => replaceTags(tx, id, tags));
  }

  /** Marks the box revoked and forgets its credential, so broker auth refuses it from now on. */
  async revoke(id: string, now: number): Promise<boolean> {
    return (await this.sql.run("UPDATE boxes SET status = 'revoked', credential_hash = NULL, broker_credential_hash = NULL, revoked_at = ? WHERE id = ? AND status != 'revoked'", [now, id])) === 1;
  }

  async deleteIfPending(id: string): Promise<void> {
    await this.sql.run("DELETE FROM boxes WHERE id = ? AND status = 'pending'", [id]);
  }

  /** Ids of the boxes of a club that may receive messages (not revoked). */
  async liveBoxIdsOfClub(clubId: string): Promise<string[]> {
    return (await this.sql.all<{ id: string }>("SELECT id FROM boxes WHERE club_id = ? AND status = 'active' ORDER BY id", [clubId])).map((r) => r.id);
  }

  async countOnline(): Promise<number> {
    return (await this.sql.get<{ n: number }>("SELECT COUNT(*) AS n FROM boxes WHERE online = 1 AND status = 'active'"))?.n ?? 0;
  }

  async upsertClub(c: { id: string; name: string; timezone: string; openingHours: unknown }, now: number): Promise<void> {
    await this.sql.run(
      `INSERT INTO clubs (id, name, timezone, opening_hours, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET name = excluded.name, timezone = excluded.timezone, opening_hours = excluded.opening_hours`,
      [c.id, c.name, c.timezone, JSON.stringify(c.openingHours ?? {}), now],
    );
  }

  async getClub(id: string): Promise<ClubRow | undefined> {
    const r = await this.sql.get<RawClub>('SELECT * FROM clubs WHERE id = ?', [id]);
    return r && toClub(r);
  }

  async listClubs(): Promise<ClubRow[]> {
    return (await this.sql.all<RawClub>('SELECT * FROM clubs ORDER BY id')).map(toClub);
  }
}
