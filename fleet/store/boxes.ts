import { parseJsonObject } from './json.ts';
import type { Box, BoxRepository, BoxStatus, Club, ClubRepository, DeviceRepository, StoredDevice } from './repositories.ts';
import type { Sql } from './sql.ts';
import { Where } from './where.ts';

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

const BOX_SELECT = `SELECT b.*, (SELECT string_agg(tag, chr(31)) FROM box_tags t WHERE t.box_id = b.id) AS tags FROM boxes b`;

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

export function sqlBoxes(sql: Sql): BoxRepository {
  const getOne = async (on: Sql, id: string) => {
    const r = await on.get<BoxRow>(`${BOX_SELECT} WHERE b.id = ?`, [id]);
    return r ? toBox(r) : undefined;
  };
  return {
    create(box, at) {
      return sql.transaction(async (tx) => {
        await tx.run('INSERT INTO boxes (id, club_id, name, status, created_at) VALUES (?, ?, ?, ?, ?)', [box.id, box.clubId ?? null, box.name ?? '', box.status ?? 'pending', at]);
        for (const tag of box.tags ?? []) await tx.run('INSERT INTO box_tags (box_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING', [box.id, tag]);
        return (await getOne(tx, box.id)) as Box;
      });
    },
    get: (id) => getOne(sql, id),
    async existing(ids) {
      if (ids.length === 0) return new Set();
      const rows = await sql.all<{ id: string }>(`SELECT id FROM boxes WHERE id IN (${ids.map(() => '?').join(', ')})`, ids);
      return new Set(rows.map((r) => r.id));
    },
    async list(filter = {}) {
      const w = new Where()
        .add('b.status = ?', filter.status)
        .add('b.club_id = ?', filter.clubId)
        .add('EXISTS (SELECT 1 FROM box_tags t WHERE t.box_id = b.id AND t.tag = ?)', filter.tag);
      return (await sql.all<BoxRow>(`${BOX_SELECT} ${w} ORDER BY b.id`, w.args)).map(toBox);
    },
    async setStatus(id, status, at) {
      await sql.run("UPDATE boxes SET status = ?, revoked_at = CASE WHEN ? = 'revoked' THEN ? ELSE revoked_at END WHERE id = ?", [status, status, at, id]);
    },
    async setCredential(id, hashes) {
      await sql.run('UPDATE boxes SET credential_hash = ?, broker_credential_hash = ? WHERE id = ?', [hashes.credentialHash, hashes.brokerCredentialHash, id]);
    },
    async setOnline(id, online, at) {
      const flag = online ? 1 : 0;
      return (await sql.run('UPDATE boxes SET online = ?, online_changed_at = ?, last_seen_at = greatest(coalesce(last_seen_at, 0), ?) WHERE id = ? AND online != ?', [flag, at, at, id, flag])) > 0;
    },
    async recordState(id, state, at) {
      await sql.run('UPDATE boxes SET agent_version = coalesce(?, agent_version), last_state = ?, last_seen_at = greatest(coalesce(last_seen_at, 0), ?) WHERE id = ?', [state.agentVersion, JSON.stringify(state.raw), at, id]);
    },
    async recordHealth(id, raw, at) {
      await sql.run('UPDATE boxes SET last_health = ?, last_seen_at = greatest(coalesce(last_seen_at, 0), ?) WHERE id = ?', [JSON.stringify(raw), at, id]);
    },
    async lastHealth(id) {
      const r = await sql.get<{ last_health: string | null }>('SELECT last_health FROM boxes WHERE id = ?', [id]);
      return r?.last_health ? parseJsonObject(r.last_health) : undefined;
    },
    async recordRightsStatus(id, version, at) {
      await sql.run('UPDATE boxes SET rights_version = ?, rights_reported_at = ? WHERE id = ?', [version, at, id]);
    },
    async recordConfigReported(id, report, at) {
      await sql.run('UPDATE boxes SET config_reported = ?, config_reported_at = ?, last_seen_at = greatest(coalesce(last_seen_at, 0), ?) WHERE id = ?', [JSON.stringify(report), at, at, id]);
    },
    async touch(id, at) {
      await sql.run('UPDATE boxes SET last_seen_at = greatest(coalesce(last_seen_at, 0), ?) WHERE id = ?', [at, id]);
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

export function sqlClubs(sql: Sql): ClubRepository {
  return {
    async upsert(club, at) {
      await sql.run(
        `INSERT INTO clubs (id, name, timezone, opening_hours, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, timezone = excluded.timezone, opening_hours = excluded.opening_hours`,
        [club.id, club.name, club.timezone, JSON.stringify(club.openingHours), at],
      );
    },
    async get(id) {
      const r = await sql.get<ClubRow>('SELECT * FROM clubs WHERE id = ?', [id]);
      return r ? toClub(r) : undefined;
    },
    async list() {
      return (await sql.all<ClubRow>('SELECT * FROM clubs ORDER BY id')).map(toClub);
    },
    async rightsVersion(clubId) {
      const r = await sql.get<{ version: number; updated_at: number }>('SELECT version, updated_at FROM rights_versions WHERE club_id = ?', [clubId]);
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

export function sqlDevices(sql: Sql): DeviceRepository {
  return {
    upsert(boxId, devices, at) {
      return sql.transaction(async (tx) => {
        for (const d of devices) {
          await tx.run(
            `INSERT INTO devices (box_id, device_id, kind, status, detail, status_since, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (box_id, device_id) DO UPDATE SET kind = excluded.kind, detail = excluded.detail, updated_at = excluded.updated_at,
               status_since = CASE WHEN devices.status = excluded.status THEN devices.status_since ELSE excluded.status_since END,
               status = excluded.status`,
            [boxId, d.deviceId, d.kind, d.status, JSON.stringify(d.detail), at, at],
          );
        }
      });
    },
    async listByBox(boxId) {
      return (await sql.all<DeviceRow>('SELECT * FROM devices WHERE box_id = ? ORDER BY device_id', [boxId])).map(
        (r): StoredDevice => ({ boxId: r.box_id, deviceId: r.device_id, kind: r.kind, status: r.status, detail: parseJsonObject(r.detail), statusSince: r.status_since, updatedAt: r.updated_at }),
      );
    },
  };
}
