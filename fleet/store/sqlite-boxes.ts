import type { SqliteDb } from './db.ts';
import { parseJsonObject } from './json.ts';
import type { Box, BoxRepository, BoxStatus, Club, ClubRepository, DeviceRepository, DeviceStatus, NewBox, StoredDevice } from './repositories.ts';

interface BoxRow {
  id: string;
  club_id: string | null;
  name: string;
  status: BoxStatus;
  credential_hash: string | null;
  broker_credential_hash: string | null;
  agent_version: string | null;
  online: number;
  online_changed_at: number | null;
  last_seen_at: number | null;
  rights_version: number | null;
  rights_reported_at: number | null;
  created_at: number;
  tags: string | null;
}

const BOX_SELECT = `SELECT b.*, (SELECT group_concat(tag, char(31)) FROM box_tags t WHERE t.box_id = b.id) AS tags FROM boxes b`;

function toBox(r: BoxRow): Box {
  return {
    id: r.id,
    clubId: r.club_id,
    name: r.name,
    tags: r.tags ? r.tags.split('\u001f').sort() : [],
    status: r.status,
    credentialHash: r.credential_hash,
    brokerCredentialHash: r.broker_credential_hash,
    agentVersion: r.agent_version,
    online: r.online === 1,
    onlineChangedAt: r.online_changed_at,
    lastSeenAt: r.last_seen_at,
    rightsVersion: r.rights_version,
    rightsReportedAt: r.rights_reported_at,
    createdAt: r.created_at,
  };
}

export function sqliteBoxes(db: SqliteDb): BoxRepository {
  const insertBox = db.prepare('INSERT INTO boxes (id, club_id, name, status, created_at) VALUES (?, ?, ?, ?, ?)');
  const insertTag = db.prepare('INSERT OR IGNORE INTO box_tags (box_id, tag) VALUES (?, ?)');
  const getOne = db.prepare(`${BOX_SELECT} WHERE b.id = ?`);
  const setOnline = db.prepare('UPDATE boxes SET online = ?, online_changed_at = ?, last_seen_at = max(coalesce(last_seen_at, 0), ?) WHERE id = ? AND online != ?');
  const touch = db.prepare('UPDATE boxes SET last_seen_at = max(coalesce(last_seen_at, 0), ?) WHERE id = ?');
  const create = db.transaction((box: NewBox, at: number) => {
    insertBox.run(box.id, box.clubId ?? null, box.name ?? '', box.status ?? 'pending', at);
    for (const tag of box.tags ?? []) insertTag.run(box.id, tag);
  });
  return {
    async create(box, at) {
      create(box, at);
      return toBox(getOne.get(box.id) as BoxRow);
    },
    async get(id) {
      const r = getOne.get(id) as BoxRow | undefined;
      return r ? toBox(r) : undefined;
    },
    async list(filter = {}) {
      const where: string[] = [];
      const args: unknown[] = [];
      const add = (clause: string, arg: unknown) => {
        where.push(clause);
        args.push(arg);
      };
      if (filter.status) add('b.status = ?', filter.status);
      if (filter.clubId) add('b.club_id = ?', filter.clubId);
      if (filter.tag) add('EXISTS (SELECT 1 FROM box_tags t WHERE t.box_id = b.id AND t.tag = ?)', filter.tag);
      const sql = `${BOX_SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY b.id`;
      return (db.prepare(sql).all(...args) as BoxRow[]).map(toBox);
    },
    async setStatus(id, status, at) {
      db.prepare('UPDATE boxes SET status = ?, revoked_at = CASE WHEN ? = \'revoked\' THEN ? ELSE revoked_at END WHERE id = ?').run(status, status, at, id);
    },
    async setCredential(id, hashes) {
      db.prepare('UPDATE boxes SET credential_hash = ?, broker_credential_hash = ? WHERE id = ?').run(hashes.credentialHash, hashes.brokerCredentialHash, id);
    },
    async setOnline(id, online, at) {
      const flag = online ? 1 : 0;
      return setOnline.run(flag, at, at, id, flag).changes > 0;
    },
    async recordState(id, state, at) {
      db.prepare('UPDATE boxes SET agent_version = coalesce(?, agent_version), last_state = ?, last_seen_at = max(coalesce(last_seen_at, 0), ?) WHERE id = ?').run(state.agentVersion, JSON.stringify(state.raw), at, id);
    },
    async recordHealth(id, raw, at) {
      db.prepare('UPDATE boxes SET last_health = ?, last_seen_at = max(coalesce(last_seen_at, 0), ?) WHERE id = ?').run(JSON.stringify(raw), at, id);
    },
    async lastHealth(id) {
      const r = db.prepare('SELECT last_health FROM boxes WHERE id = ?').get(id) as { last_health: string | null } | undefined;
      return r?.last_health ? parseJsonObject(r.last_health) : undefined;
    },
    async recordRightsStatus(id, version, at) {
      db.prepare('UPDATE boxes SET rights_version = ?, rights_reported_at = ? WHERE id = ?').run(version, at, id);
    },
    async recordConfigReported(id, report, at) {
      db.prepare('UPDATE boxes SET config_reported = ?, config_reported_at = ?, last_seen_at = max(coalesce(last_seen_at, 0), ?) WHERE id = ?').run(JSON.stringify(report), at, at, id);
    },
    async touch(id, at) {
      touch.run(at, id);
    },
  };
}

interface ClubRow {
  id: string;
  name: string;
  timezone: string;
  opening_hours: string;
}

const toClub = (r: ClubRow): Club => ({ id: r.id, name: r.name, timezone: r.timezone, openingHours: parseJsonObject(r.opening_hours) as Club['openingHours'] });

export function sqliteClubs(db: SqliteDb): ClubRepository {
  return {
    async upsert(club, at) {
      db.prepare(
        `INSERT INTO clubs (id, name, timezone, opening_hours, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, timezone = excluded.timezone, opening_hours = excluded.opening_hours`,
      ).run(club.id, club.name, club.timezone, JSON.stringify(club.openingHours), at);
    },
    async get(id) {
      const r = db.prepare('SELECT * FROM clubs WHERE id = ?').get(id) as ClubRow | undefined;
      return r ? toClub(r) : undefined;
    },
    async list() {
      return (db.prepare('SELECT * FROM clubs ORDER BY id').all() as ClubRow[]).map(toClub);
    },
    async rightsVersion(clubId) {
      const r = db.prepare('SELECT version, updated_at FROM rights_versions WHERE club_id = ?').get(clubId) as { version: number; updated_at: number } | undefined;
      return r ? { version: r.version, updatedAt: r.updated_at } : undefined;
    },
  };
}

interface DeviceRow {
  box_id: string;
  device_id: string;
  kind: string;
  status: string;
  detail: string;
  status_since: number;
  updated_at: number;
}

export function sqliteDevices(db: SqliteDb): DeviceRepository {
  const upsertOne = db.prepare(
    `INSERT INTO devices (box_id, device_id, kind, status, detail, status_since, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (box_id, device_id) DO UPDATE SET kind = excluded.kind, detail = excluded.detail, updated_at = excluded.updated_at,
       status_since = CASE WHEN devices.status = excluded.status THEN devices.status_since ELSE excluded.status_since END,
       status = excluded.status`,
  );
  const upsertAll = db.transaction((boxId: string, devices: readonly DeviceStatus[], at: number) => {
    for (const d of devices) upsertOne.run(boxId, d.deviceId, d.kind, d.status, JSON.stringify(d.detail), at, at);
  });
  return {
    async upsert(boxId, devices, at) {
      upsertAll(boxId, devices, at);
    },
    async listByBox(boxId) {
      return (db.prepare('SELECT * FROM devices WHERE box_id = ? ORDER BY device_id').all(boxId) as DeviceRow[]).map(
        (r): StoredDevice => ({ boxId: r.box_id, deviceId: r.device_id, kind: r.kind, status: r.status, detail: parseJsonObject(r.detail), statusSince: r.status_since, updatedAt: r.updated_at }),
      );
    },
  };
}
