import { canonicalCredentialValue } from './credential-key.ts';
import { LayeredMap } from './layered-map.ts';
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
export type RecordMaps = { readonly [K in RecordKind]: LayeredMap<RecordOf<K>> };

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

/** Wraps plain maps (built by a snapshot apply or a load) as record maps. */
export function recordMaps(maps: { readonly [K in RecordKind]: ReadonlyMap<string, RecordOf<K>> }): RecordMaps {
  return {
    members: LayeredMap.of(maps.members),
    zones: LayeredMap.of(maps.zones),
    qrKeys: LayeredMap.of(maps.qrKeys),
    credentials: LayeredMap.of(maps.credentials),
    rights: LayeredMap.of(maps.rights),
    bookings: LayeredMap.of(maps.bookings),
  };
}

export function emptyPlainMaps(): { [K in RecordKind]: Map<string, RecordOf<K>> } {
  return { members: new Map(), zones: new Map(), qrKeys: new Map(), credentials: new Map(), rights: new Map(), bookings: new Map() };
}

/**
 * The maps after explicit deletes (member cascades already expanded by the caller) then
 * upserts (already normalised). Persistent maps: the change costs O(records changed), and
 * the maps before it stay valid for views still in use.
 */
export function applyChanges(
  current: RecordMaps,
  deletes: RecordDeletes,
  upserts: Partial<RightsRecords>,
): { readonly maps: RecordMaps; readonly changes: RecordChanges } {
  const maps: Record<string, LayeredMap<unknown>> = {};
  const changes: Record<string, { removed: unknown[]; added: unknown[] }> = {};
  for (const kind of RECORD_KINDS) {
    const gone = deletes[kind] ?? [];
    const put = (upserts[kind] ?? []) as readonly RecordOf<RecordKind>[];
    const before = current[kind] as LayeredMap<unknown>;
    const fresh = new Map<string, unknown>();
    for (const record of put) fresh.set(recordId(kind, record), record); // an id upserted twice: the last one counts
    const removed: unknown[] = [];
    for (const id of new Set([...gone, ...fresh.keys()])) {
      const old = before.get(id);
      if (old !== undefined) removed.push(old);
    }
    changes[kind] = { removed, added: [...fresh.values()] };
    maps[kind] = gone.length === 0 && fresh.size === 0 ? before : before.update(gone, fresh);
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
