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

/**
 * Builds an index from records given in one or several parts (the chunks of a snapshot,
 * indexed as they arrive so the last one does not pay for all). Later records win on a
 * duplicate id or credential; invalid QR keys are skipped.
 */
export class RightsIndexBuilder {
  private readonly credentials = new Map<string, MemberCredential>();
  private readonly members = new Map<string, Member>();
  private readonly zones = new Map<string, Zone>();
  private readonly rights = new Map<string, AccessRight[]>();
  private readonly bookings = new Map<string, Booking[]>();
  private readonly qrKeys: QrKey[] = [];

  add(records: Partial<RightsRecords>): this {
    for (const c of records.credentials ?? []) this.credentials.set(credentialKey(c.kind, c.value), c);
    for (const m of records.members ?? []) this.members.set(m.id, m);
    for (const z of records.zones ?? []) this.zones.set(z.id, z);
    groupByMember(this.rights, records.rights ?? []);
    groupByMember(this.bookings, records.bookings ?? []);
    this.qrKeys.push(...(records.qrKeys ?? []));
    return this;
  }

  /** The index; the builder must not be used afterwards (its maps become the index's). */
  build(): RightsIndex {
    return {
      credentials: LayeredMap.of(this.credentials),
      members: LayeredMap.of(this.members),
      zones: LayeredMap.of(this.zones),
      rightsByMember: LayeredMap.of<readonly AccessRight[]>(this.rights),
      bookingsByMember: LayeredMap.of<readonly Booking[]>(this.bookings),
      qrKeys: importQrKeys(this.qrKeys),
    };
  }
}

export function buildRightsIndex(records: RightsRecords): RightsIndex {
  return new RightsIndexBuilder().add(records).build();
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
    members: () => index.members.values(),
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

function groupByMember<T extends { readonly memberId: string }>(out: Map<string, T[]>, items: readonly T[]): void {
  for (const item of items) {
    const list = out.get(item.memberId);
    if (list === undefined) out.set(item.memberId, [item]);
    else list.push(item);
  }
}
