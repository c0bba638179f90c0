import type Database from 'better-sqlite3';

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

const SELECT_BOX = `SELECT b.*, (SELECT group_concat(tag, char(31)) FROM box_tags t WHERE t.box_id = b.id) AS tags FROM boxes b`;

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

/** Boxes and clubs as the API reads and manages them (tables of migration 001). */
export class SqliteBoxDirectory implements BoxDirectory {
  constructor(private readonly db: Database.Database) {}

  async list(f: BoxFilter): Promise<BoxSummary[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (clause: string, value: unknown): void => {
      where.push(clause);
      args.push(value);
    };
    if (f.clubId !== undefined) add('b.club_id = ?', f.clubId);
    if (f.agentVersion !== undefined) add('b.agent_version = ?', f.agentVersion);
    if (f.status !== undefined) add('b.status = ?', f.status);
    if (f.online !== undefined) add('b.online = ?', f.online ? 1 : 0);
    if (f.tag !== undefined) add('EXISTS (SELECT 1 FROM box_tags t WHERE t.box_id = b.id AND t.tag = ?)', f.tag);
    const sql = `${SELECT_BOX} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY b.id LIMIT ? OFFSET ?`;
    return (this.db.prepare(sql).all(...args, f.limit, f.offset) as RawBox[]).map(toSummary);
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
