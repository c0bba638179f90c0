import type { Sql } from './sql.ts';
import { Where } from './where.ts';

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

export interface BoxFilter {
  clubId?: string;
  tag?: string;
  agentVersion?: string;
  status?: BoxStatus;
  online?: boolean;
  limit: number;
  offset: number;
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
  list(f: BoxFilter): Promise<BoxSummary[]>;
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

  async list(f: BoxFilter): Promise<BoxSummary[]> {
    const w = new Where()
      .add('b.club_id = ?', f.clubId)
      .add('b.agent_version = ?', f.agentVersion)
      .add('b.status = ?', f.status)
      .add('b.online = ?', f.online === undefined ? undefined : f.online ? 1 : 0)
      .add('EXISTS (SELECT 1 FROM box_tags t WHERE t.box_id = b.id AND t.tag = ?)', f.tag);
    return (await this.sql.all<RawBox>(`${SELECT_BOX} ${w} ORDER BY b.id LIMIT ? OFFSET ?`, [...w.args, f.limit, f.offset])).map(toSummary);
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
