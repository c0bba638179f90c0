import { qrPublicKeyFromRaw } from '../../protocol/access/qr-token.ts';
import { credentialKey } from './credential-key.ts';
import { LayeredMap } from './layered-map.ts';
import type { AccessRight, Booking, Member, MemberCredential, QrKey, RightsRecords, Zone } from './model.ts';
import type { RecordChanges, RecordMaps } from './records.ts';
import type { ClubQrKey, RightsView } from './types.ts';

/**
 * The heavy part of a view: hash indexes over one rights version, built once per apply.
 * Lookups are Map accesses (100,000 members cost tens of MB and O(1) per lookup); the maps
 * are persistent, so a delta updates them in O(changes).
 */
export interface RightsIndex {
  readonly credentials: LayeredMap<MemberCredential>;
  readonly members: LayeredMap<Member>;
  readonly zones: LayeredMap<Zone>;
  readonly rightsByMember: LayeredMap<readonly AccessRight[]>;
  readonly bookingsByMember: LayeredMap<readonly Booking[]>;
  readonly qrKeys: ReadonlyMap<string, ClubQrKey>;
}

/** Builds the indexes; later records win on a duplicate id or credential; invalid QR keys are skipped. */
export function buildRightsIndex(records: RightsRecords): RightsIndex {
  const credentials = new Map<string, MemberCredential>();
  for (const c of records.credentials) credentials.set(credentialKey(c.kind, c.value), c);
  return {
    credentials: LayeredMap.of(credentials),
    members: LayeredMap.of(new Map(records.members.map((m) => [m.id, m]))),
    zones: LayeredMap.of(new Map(records.zones.map((z) => [z.id, z]))),
    rightsByMember: LayeredMap.of<readonly AccessRight[]>(groupByMember(records.rights)),
    bookingsByMember: LayeredMap.of<readonly Booking[]>(groupByMember(records.bookings)),
    qrKeys: importQrKeys(records.qrKeys),
  };
}

/**
 * The index after a change, touching only what changed (persistent maps, per-member lists
 * rebuilt for the members concerned). `maps` are the records after the change.
 */
export function updateRightsIndex(index: RightsIndex, maps: RecordMaps, changes: RecordChanges): RightsIndex {
  return {
    credentials: rekey(index.credentials, changes.credentials, (c) => credentialKey(c.kind, c.value)),
    members: rekey(index.members, changes.members, (m) => m.id),
    zones: rekey(index.zones, changes.zones, (z) => z.id),
    rightsByMember: regroup(index.rightsByMember, maps.rights, changes.rights),
    bookingsByMember: regroup(index.bookingsByMember, maps.bookings, changes.bookings),
    qrKeys: changes.qrKeys.added.length + changes.qrKeys.removed.length === 0 ? index.qrKeys : importQrKeys([...maps.qrKeys.values()]),
  };
}

function rekey<T>(map: LayeredMap<T>, change: { readonly removed: readonly T[]; readonly added: readonly T[] }, key: (t: T) => string): LayeredMap<T> {
  if (change.removed.length === 0 && change.added.length === 0) return map;
  const gone = change.removed.filter((old) => map.get(key(old)) === old).map(key);
  return map.update(gone, change.added.map((t) => [key(t), t] as const));
}

function regroup<T extends { readonly id: string; readonly memberId: string }>(
  groups: LayeredMap<readonly T[]>,
  records: LayeredMap<T>,
  change: { readonly removed: readonly T[]; readonly added: readonly T[] },
): LayeredMap<readonly T[]> {
  if (change.removed.length === 0 && change.added.length === 0) return groups;
  const added = new Set(change.added);
  const emptied: string[] = [];
  const lists: [string, readonly T[]][] = [];
  for (const memberId of new Set([...change.removed, ...change.added].map((t) => t.memberId))) {
    const kept = (groups.get(memberId) ?? []).filter((t) => records.get(t.id) === t && !added.has(t));
    const list = [...kept, ...change.added.filter((t) => t.memberId === memberId)];
    if (list.length === 0) emptied.push(memberId);
    else lists.push([memberId, list]);
  }
  return groups.update(emptied, lists);
}

/** The club's QR public keys as key objects; a key that is no Ed25519 key is skipped (tokens it signed are invalid). */
function importQrKeys(records: readonly QrKey[]): ReadonlyMap<string, ClubQrKey> {
  const keys = new Map<string, ClubQrKey>();
  for (const record of records) {
    const key = qrPublicKeyFromRaw(record.publicKey);
    if (key.ok) keys.set(record.keyId, { record, key: key.value });
  }
  return keys;
}

/**
 * A view = an index + the visits consumed on this box (epoch ms per right id). Cheap to
 * rebuild when a visit is recorded: the index is shared, only the small map changes.
 */
export function createRightsView(
  version: number,
  index: RightsIndex,
  localVisits: ReadonlyMap<string, readonly number[]> = new Map(),
): RightsView {
  const none: readonly never[] = [];
  return {
    version,
    credential: (kind, value) => index.credentials.get(credentialKey(kind, value)),
    member: (id) => index.members.get(id),
    zone: (id) => index.zones.get(id),
    rightsOf: (memberId) => index.rightsByMember.get(memberId) ?? none,
    alertsOf: (memberId) => index.members.get(memberId)?.blockingAlerts ?? none,
    bookingsOf: (memberId) => index.bookingsByMember.get(memberId) ?? none,
    qrKey: (keyId) => index.qrKeys.get(keyId),
    visitsLeft(right) {
      if (right.kind !== 'pack') return undefined;
      const fleetCount = right.visitsLeft ?? 0;
      const countedUntil = right.visitsCountedUntil ?? Number.NEGATIVE_INFINITY;
      let usedHere = 0;
      for (const at of localVisits.get(right.id) ?? none) if (at > countedUntil) usedHere++;
      return fleetCount - usedHere;
    },
  };
}

/** A view straight from records (tests, tools). */
export function rightsViewOf(version: number, records: RightsRecords, localVisits?: ReadonlyMap<string, readonly number[]>): RightsView {
  return createRightsView(version, buildRightsIndex(records), localVisits);
}

function groupByMember<T extends { readonly memberId: string }>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const list = out.get(item.memberId);
    if (list === undefined) out.set(item.memberId, [item]);
    else list.push(item);
  }
  return out;
}
