import type { Sql } from './sql.ts';
import type { AccessRight, Booking, CredentialRecord, Member, QrKey, RightsData, RightsDeletes, Zone } from '../../protocol/mqtt/index.ts';

export type Collection = keyof RightsData;
export const COLLECTIONS: readonly Collection[] = ['zones', 'members', 'credentials', 'rights', 'bookings', 'qrKeys'];

export type RightsChanges = { upserts: Partial<RightsData>; deletes: Partial<RightsDeletes> };

interface Mapping<T> {
  table: string;
  /** The record's key (QR keys call it keyId). */
  idOf(r: T): string;
  columns: readonly string[];
  values(r: T): unknown[];
  fromRow(row: Record<string, unknown>): T;
}

const fromData = <T>(row: Record<string, unknown>): T => JSON.parse(row['data'] as string) as T;

/**
 * How each collection of the contract's RightsData sits in the tables of migrations 001 and
 * 102: key columns for queries, and the record itself in `data` where the table has one.
 */
const MAPPINGS: { [C in Collection]: Mapping<RightsData[C][number]> } = {
  members: {
    table: 'members',
    idOf: (m: Member) => m.id,
    columns: ['name', 'valid_until', 'data'],
    values: (m: Member) => [m.displayName, m.subscriptionEnd, JSON.stringify(m)],
    fromRow: fromData,
  },
  credentials: {
    table: 'credentials',
    idOf: (c: CredentialRecord) => c.id,
    columns: ['member_id', 'kind', 'value', 'valid_from', 'valid_until'],
    values: (c: CredentialRecord) => [c.memberId, c.kind, c.value, c.validFrom, c.validTo],
    fromRow: (r) =>
      ({ id: r['id'], memberId: r['member_id'], kind: r['kind'], value: r['value'], validFrom: r['valid_from'], validTo: r['valid_until'] }) as CredentialRecord,
  },
  zones: { table: 'zones', idOf: (z: Zone) => z.id, columns: ['name', 'data'], values: (z: Zone) => [z.name, JSON.stringify(z)], fromRow: fromData },
  rights: {
    table: 'access_rights',
    idOf: (a: AccessRight) => a.id,
    columns: ['member_id', 'zone_id', 'valid_from', 'valid_until', 'data'],
    values: (a: AccessRight) => [a.memberId, a.zoneIds[0], a.validFrom, a.validTo, JSON.stringify(a)],
    fromRow: fromData,
  },
  bookings: { table: 'rights_bookings', idOf: (b: Booking) => b.id, columns: ['member_id', 'zone_id', 'data'], values: (b: Booking) => [b.memberId, b.zoneId, JSON.stringify(b)], fromRow: fromData },
  qrKeys: { table: 'rights_qr_keys', idOf: (k: QrKey) => k.keyId, columns: ['data'], values: (k: QrKey) => [JSON.stringify(k)], fromRow: fromData },
};

const mapping = <C extends Collection>(c: C): Mapping<RightsData[C][number]> => MAPPINGS[c] as Mapping<RightsData[C][number]>;

/** A reference that does not resolve within the club after a change: member or zone. */
export interface DanglingReference {
  collection: Collection;
  id: string;
  missing: string;
}

export interface RightsCatalog {
  version(clubId: string): Promise<number>;
  applyInTx(clubId: string, changes: RightsChanges, now: number): Promise<{ baseVersion: number; version: number; dangling: DanglingReference[] }>;
  snapshot(clubId: string): Promise<{ version: number; data: RightsData }>;
  liveQrKeys(clubId: string): Promise<QrKey[]>;
}

/** Members' rights per club with a version per club (migrations 001 and 102). */
export class SqlRightsCatalog implements RightsCatalog {
  constructor(private readonly sql: Sql) {}

  version(clubId: string): Promise<number> {
    return current(this.sql, clubId);
  }

  /**
   * Applies a change set as one new version. Call inside a transaction; it returns the
   * references the change left dangling so the caller can roll back.
   */
  async applyInTx(clubId: string, changes: RightsChanges, now: number): Promise<{ baseVersion: number; version: number; dangling: DanglingReference[] }> {
    const sql = this.sql;
    // The version row is written first: on PostgreSQL its lock orders concurrent changes of one club.
    await sql.run('INSERT INTO rights_versions (club_id, version, updated_at) VALUES (?, 1, ?) ON CONFLICT(club_id) DO UPDATE SET version = rights_versions.version + 1, updated_at = excluded.updated_at', [clubId, now]);
    const version = await current(sql, clubId);
    const baseVersion = version - 1;
    for (const c of COLLECTIONS) {
      const m = mapping(c);
      const records = (changes.upserts[c] ?? []) as RightsData[typeof c][number][];
      if (records.length > 0) {
        const cols = m.columns.join(', ');
        const marks = m.columns.map(() => '?').join(', ');
        const sets = m.columns.map((col) => `${col} = excluded.${col}`).join(', ');
        const up = `INSERT INTO ${m.table} (club_id, id, version, deleted, ${cols}) VALUES (?, ?, ?, 0, ${marks})
           ON CONFLICT(club_id, id) DO UPDATE SET version = excluded.version, deleted = 0, ${sets}`;
        for (const r of records) await sql.run(up, [clubId, m.idOf(r), version, ...m.values(r)]);
      }
      const del = `UPDATE ${m.table} SET deleted = 1, version = ? WHERE club_id = ? AND id = ? AND deleted = 0`;
      for (const id of changes.deletes[c] ?? []) await sql.run(del, [version, clubId, id]);
    }
    return { baseVersion, version, dangling: await this.danglingAt(clubId, version) };
  }

  /** References of rows written at `version` to members or zones that are not live. */
  private async danglingAt(clubId: string, version: number): Promise<DanglingReference[]> {
    const out: DanglingReference[] = [];
    const live = async (table: string, id: string) => (await this.sql.get(`SELECT 1 FROM ${table} WHERE club_id = ? AND id = ? AND deleted = 0`, [clubId, id])) !== undefined;
    for (const c of ['credentials', 'rights', 'bookings'] as const) {
      for (const r of await rows(this.sql, c, clubId, version)) {
        const rec = r as { id: string; memberId: string; zoneIds?: string[]; zoneId?: string };
        if (!(await live('members', rec.memberId))) out.push({ collection: c, id: rec.id, missing: `member ${rec.memberId}` });
        for (const z of rec.zoneIds ?? (rec.zoneId ? [rec.zoneId] : [])) if (!(await live('zones', z))) out.push({ collection: c, id: rec.id, missing: `zone ${z}` });
        if (out.length >= 20) return out;
      }
    }
    return out;
  }

  /** The club's live QR keys (members' token keys and the boxes' ticket keys). */
  liveQrKeys(clubId: string): Promise<QrKey[]> {
    return rows(this.sql, 'qrKeys', clubId);
  }

  /**
   * Everything live for the club, and the version it is at. The version is read first: under
   * PostgreSQL's read-committed isolation a change committed meanwhile may show in the data
   * (the next delta sends it again, harmlessly), never be counted in a version it is missing from.
   */
  snapshot(clubId: string): Promise<{ version: number; data: RightsData }> {
    return this.sql.transaction(async (tx) => {
      const version = await current(tx, clubId);
      const data: Partial<Record<Collection, unknown>> = {};
      for (const c of COLLECTIONS) data[c] = await rows(tx, c, clubId);
      return { version, data: data as RightsData };
    });
  }
}

async function current(sql: Sql, clubId: string): Promise<number> {
  return (await sql.get<{ version: number }>('SELECT version FROM rights_versions WHERE club_id = ?', [clubId]))?.version ?? 0;
}

async function rows<C extends Collection>(sql: Sql, c: C, clubId: string, exactVersion?: number): Promise<RightsData[C]> {
  const m = mapping(c);
  const text = `SELECT * FROM ${m.table} WHERE club_id = ? AND deleted = 0 ${exactVersion === undefined ? '' : 'AND version = ?'} ORDER BY id`;
  const args = exactVersion === undefined ? [clubId] : [clubId, exactVersion];
  return (await sql.all<Record<string, unknown>>(text, args)).map((r) => m.fromRow(r)) as RightsData[C];
}
