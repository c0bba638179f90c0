import { canonicalCredentialValue } from './credential-key.ts';
import type { AccessRight, MemberCredential, RightsDelta, RightsRecords } from './model.ts';

/** The record kinds, in the order they are inserted (members before what refers to them). */
export const RECORD_KINDS = ['members', 'zones', 'qrKeys', 'credentials', 'rights', 'alerts', 'bookings'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];
type RecordOf<K extends RecordKind> = RightsRecords[K][number];

/** Records by id per kind: the in-memory copy of what the SQLite file holds. */
export type RecordMaps = { readonly [K in RecordKind]: ReadonlyMap<string, RecordOf<K>> };

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
  return { members: new Map(), zones: new Map(), qrKeys: new Map(), credentials: new Map(), rights: new Map(), alerts: new Map(), bookings: new Map() };
}

/** The maps after a delta (already validated and normalised): deletes, member cascades, then upserts. */
export function applyDeltaToMaps(current: RecordMaps, delta: RightsDelta): RecordMaps {
  const next = {} as { [K in RecordKind]: Map<string, RecordOf<K>> };
  for (const kind of RECORD_KINDS) {
    (next as Record<RecordKind, Map<string, unknown>>)[kind] = new Map<string, unknown>(current[kind] as ReadonlyMap<string, unknown>);
  }
  for (const kind of RECORD_KINDS) for (const id of delta.deletes[kind] ?? []) next[kind].delete(id);
  const gone = new Set(delta.deletes.members ?? []);
  if (gone.size > 0) {
    for (const kind of ['credentials', 'rights', 'alerts', 'bookings'] as const) {
      for (const [id, r] of next[kind]) if (gone.has(r.memberId)) next[kind].delete(id);
    }
  }
  for (const kind of RECORD_KINDS) {
    const map = next[kind] as Map<string, RecordOf<RecordKind>>;
    for (const r of delta.upserts[kind] ?? []) map.set(recordId(kind, r), r);
  }
  return next;
}

export function mapsToRecords(maps: RecordMaps): RightsRecords {
  return {
    members: [...maps.members.values()],
    zones: [...maps.zones.values()],
    qrKeys: [...maps.qrKeys.values()],
    credentials: [...maps.credentials.values()],
    rights: [...maps.rights.values()],
    alerts: [...maps.alerts.values()],
    bookings: [...maps.bookings.values()],
  };
}
