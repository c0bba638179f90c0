import { canonicalCredentialValue } from './credential-key.ts';
import type { AccessRight, MemberCredential, RightsRecords } from './model.ts';

/** The record kinds, in the order they are inserted (members before what refers to them). */
export const RECORD_KINDS = ['members', 'zones', 'qrKeys', 'credentials', 'rights', 'bookings'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];
export type RecordOf<K extends RecordKind> = RightsRecords[K][number];
/** Kinds that belong to a member (deleted with it). */
export const MEMBER_CHILD_KINDS = ['credentials', 'rights', 'bookings'] as const;

/** Ids to delete per kind. */
export type RecordDeletes = Partial<Record<RecordKind, readonly string[]>>;

/** Records by id per kind: the in-memory copy of what the SQLite file holds. */
export type RecordMaps = { readonly [K in RecordKind]: ReadonlyMap<string, RecordOf<K>> };

/** Per kind, the records a change removed (deleted or replaced) and the ones it added. */
export type RecordChanges = {
  readonly [K in RecordKind]: { readonly removed: readonly RecordOf<K>[]; readonly added: readonly RecordOf<K>[] };
};

export function recordId(kind: RecordKind, record: RecordOf<RecordKind>): string {
  return kind === 'qrKeys' ? (record as RecordOf<'qrKeys'>).keyId : (record as { id: string }).id;
}

/**
 * What the store keeps of an incoming record: badge numbers canonical, and a pack's
 * `visitsCountedUntil` defaulted to the apply time (see AccessRight).
 */
export function normalise<K extends RecordKind>(kind: K, record: RecordOf<K>, appliedAt: number): RecordOf<K> {
  if (kind === 'credentials') {
    const c = record as MemberCredential;
    return { ...c, value: canonicalCredentialValue(c.kind, c.value) } as RecordOf<K>;
  }
  if (kind === 'rights') {
    const r = record as AccessRight;
    if (r.kind === 'pack' && r.visitsCountedUntil === undefined) return { ...r, visitsCountedUntil: appliedAt } as RecordOf<K>;
  }
  return record;
}

export function emptyMaps(): RecordMaps {
  return { members: new Map(), zones: new Map(), qrKeys: new Map(), credentials: new Map(), rights: new Map(), bookings: new Map() };
}

/**
 * The maps after explicit deletes (member cascades already expanded by the caller) then
 * upserts (already normalised). Copy-on-write: a kind the change does not touch keeps its
 * map, so a small delta costs little even with 100,000 members.
 */
export function applyChanges(
  current: RecordMaps,
  deletes: RecordDeletes,
  upserts: Partial<RightsRecords>,
): { readonly maps: RecordMaps; readonly changes: RecordChanges } {
  const maps: Record<string, ReadonlyMap<string, unknown>> = {};
  const changes: Record<string, { removed: unknown[]; added: unknown[] }> = {};
  for (const kind of RECORD_KINDS) {
    const gone = deletes[kind] ?? [];
    const put = (upserts[kind] ?? []) as readonly RecordOf<RecordKind>[];
    const removed: unknown[] = [];
    const added: unknown[] = [];
    changes[kind] = { removed, added };
    if (gone.length === 0 && put.length === 0) {
      maps[kind] = current[kind];
      continue;
    }
    const map = new Map<string, unknown>(current[kind] as ReadonlyMap<string, unknown>);
    const before = current[kind] as ReadonlyMap<string, unknown>;
    const fresh = new Map<string, unknown>();
    for (const id of gone) map.delete(id);
    for (const record of put) {
      map.set(recordId(kind, record), record);
      fresh.set(recordId(kind, record), record); // an id upserted twice: the last one counts
    }
    for (const id of new Set([...gone, ...fresh.keys()])) {
      const old = before.get(id);
      if (old !== undefined) removed.push(old);
    }
    added.push(...fresh.values());
    maps[kind] = map;
  }
  return { maps: maps as unknown as RecordMaps, changes: changes as unknown as RecordChanges };
}

export function mapsToRecords(maps: RecordMaps): RightsRecords {
  return {
    members: [...maps.members.values()],
    zones: [...maps.zones.values()],
    qrKeys: [...maps.qrKeys.values()],
    credentials: [...maps.credentials.values()],
    rights: [...maps.rights.values()],
    bookings: [...maps.bookings.values()],
  };
}
