import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { TICKET_MAX_VALIDITY_MS } from '../../protocol/access/ticket-token.ts';
import { decodeFromTopic, encode, fleetSubscription, TOPICS, topicFor, type MessageOf, type QrKey, type RightsData, type RightsDeltaMessage, type RightsSnapshotMessage } from '../../protocol/mqtt/index.ts';
import type { BusMessage, FleetBus } from '../bus/bus.ts';
import { apiError } from '../api/errors.ts';
import type { FleetStore } from '../store/repositories.ts';
import { COLLECTIONS, type RightsChanges } from '../store/rights-catalog.ts';

export interface RightsPublisherDeps {
  store: FleetStore;
  bus: FleetBus;
  clock: Clock;
  logger: Logger;
}

export interface AppliedChange {
  clubId: string;
  baseVersion: number;
  version: number;
  boxesNotified: number;
}

const emptyData = (): RightsData => ({ members: [], credentials: [], zones: [], rights: [], bookings: [], qrKeys: [] });

/** Room left for the envelope under the topic's payload limit. */
const SNAPSHOT_CHUNK_BYTES = TOPICS.rights.maxBytes - 64 * 1024;

/**
 * Splits a snapshot so that each part stays under the payload limit: every collection is
 * cut into the same number of slices (a box applies the parts together, so which part a
 * record lands in does not matter).
 */
export function chunkSnapshot(data: RightsData, maxBytes: number): RightsData[] {
  const size = Buffer.byteLength(JSON.stringify(data));
  const n = Math.max(1, Math.ceil(size / maxBytes));
  if (n === 1) return [data];
  const parts = Array.from({ length: n }, emptyData);
  for (const c of COLLECTIONS) {
    const all = data[c] as unknown[];
    const per = Math.ceil(all.length / n);
    for (let i = 0; i < n; i++) (parts[i] as Record<string, unknown[]>)[c] = all.slice(i * per, (i + 1) * per);
  }
  return parts;
}

/**
 * A pack's `visitsLeft` is what the club backend counted when it sent the upsert: unless it
 * says up to when it counted (`visitsCountedUntil`), that instant is the upsert. Stored with
 * the record, so deltas and later snapshots carry it; a box that applies the record days
 * later (offline meanwhile) still subtracts the visits it recorded since.
 */
export function withVisitsCounted(upserts: Partial<RightsData>, now: number): Partial<RightsData> {
  const rights = upserts.rights;
  if (!rights?.some((r) => r.kind === 'pack' && r.visitsCountedUntil === undefined)) return upserts;
  return { ...upserts, rights: rights.map((r) => (r.kind === 'pack' && r.visitsCountedUntil === undefined ? { ...r, visitsCountedUntil: now } : r)) };
}

/**
 * Per-club versioned rights: an upsert from the club backend becomes one new version and
 * its delta goes to every active box of the club on `rights`; a box that asks on
 * `rights/request` (startup, version gap) gets a full snapshot.
 */
export class RightsPublisher {
  private unsubscribe: (() => Promise<void>) | undefined;
  private readonly publishing = new Map<string, Promise<unknown>>();

  constructor(private readonly d: RightsPublisherDeps) {}

  async apply(clubId: string, requested: RightsChanges): Promise<AppliedChange> {
    const club = await this.d.store.directory.getClub(clubId);
    if (!club) throw apiError('CLUB_NOT_FOUND');
    const now = this.d.clock.now();
    const changes: RightsChanges = { ...requested, upserts: withVisitsCounted(requested.upserts, now) };
    // The delta is built and validated against the contract before the commit: a change
    // that could not be sent to the boxes is not stored either.
    const { baseVersion, version, bytes } = await this.d.store.transaction(async (tx) => {
      const applied = await tx.rights.applyInTx(clubId, changes, now);
      if (applied.dangling.length > 0) throw apiError('RIGHTS_UNKNOWN_REFERENCE', undefined, { dangling: applied.dangling });
      const upserts = { ...emptyData(), ...changes.upserts };
      const deletes = { members: [], credentials: [], zones: [], rights: [], bookings: [], qrKeys: [], ...changes.deletes };
      const delta: RightsDeltaMessage = { v: 1, kind: 'delta', clubId, ...clubNameOf(club.name), version: applied.version, baseVersion: applied.baseVersion, generatedAt: now, upserts, deletes };
      return { ...applied, bytes: encode('rights', delta) };
    });
    const boxIds = await this.d.store.directory.liveBoxIdsOfClub(clubId);
    // Deltas of one club leave in version order (two concurrent upserts must not reach a box
    // as v2 then v1). A box that misses one sees the gap on the next and asks for a snapshot.
    const send = () => Promise.allSettled(boxIds.map((id) => this.d.bus.publish(topicFor('rights', id), Buffer.from(bytes), { qos: 1, retain: false })));
    const sending = (this.publishing.get(clubId) ?? Promise.resolve()).then(send);
    this.publishing.set(clubId, sending);
    const results = await sending;
    if (this.publishing.get(clubId) === sending) this.publishing.delete(clubId);
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0) this.d.logger.warn({ clubId, version, failed }, 'rights delta not published to every box');
    return { clubId, baseVersion, version, boxesNotified: boxIds.length - failed };
  }

  snapshot(clubId: string): Promise<{ version: number; data: RightsData }> {
    return this.d.store.rights.snapshot(clubId);
  }

  /** Publishes the club's full snapshot to one box, in as many chunks as needed. */
  async sendSnapshot(boxId: string): Promise<number> {
    const box = await this.d.store.directory.get(boxId);
    if (!box || box.status !== 'active' || box.clubId === null) return 0;
    const { version, data } = await this.d.store.rights.snapshot(box.clubId);
    const club = await this.d.store.directory.getClub(box.clubId);
    const parts = chunkSnapshot(data, SNAPSHOT_CHUNK_BYTES);
    const generatedAt = this.d.clock.now();
    for (let i = 0; i < parts.length; i++) {
      const m: RightsSnapshotMessage = { v: 1, kind: 'snapshot', clubId: box.clubId, ...clubNameOf(club?.name), version, chunk: i, chunks: parts.length, generatedAt, data: parts[i] as RightsData };
      await this.d.bus.publish(topicFor('rights', boxId), Buffer.from(encode('rights', m)), { qos: 1, retain: false });
    }
    return version;
  }

  /** Handles one `rights/request`; never throws on what a box sends. */
  async onRequest({ topic, payload }: BusMessage): Promise<void> {
    const decoded = decodeFromTopic(topic, payload);
    if (!decoded.ok || decoded.value.kind !== 'rightsRequest') {
      this.d.logger.warn({ topic, error: decoded.ok ? 'wrong topic' : decoded.error }, 'rights request refused');
      return;
    }
    try {
      await this.sendSnapshot(decoded.value.boxId);
    } catch (e) {
      this.d.logger.error({ err: e, boxId: decoded.value.boxId }, 'rights snapshot failed');
    }
  }

  /**
   * A box's `state` naming its ticket key: the key joins the club's rights (`use: ticket`,
   * `issuer`: the box), so every box of the club verifies the tickets it prints. A box that
   * comes back with another key (its data folder was lost) keeps its old key valid one more
   * ticket lifetime, for the tickets already printed. Never throws on what a box sends.
   */
  async onState({ topic, payload }: BusMessage): Promise<void> {
    const decoded = decodeFromTopic(topic, payload);
    if (!decoded.ok || decoded.value.kind !== 'state') return;
    const { boxId } = decoded.value;
    const key = (decoded.value.message as MessageOf<'state'>).ticketKey;
    const box = await this.d.store.directory.get(boxId);
    if (!key || !box || box.status !== 'active' || box.clubId === null) return;
    try {
      const keys = await this.d.store.rights.liveQrKeys(box.clubId);
      const same = keys.find((k) => k.keyId === key.keyId);
      if (same && (same.publicKey !== key.publicKey || same.issuer !== boxId)) {
        this.d.logger.warn({ boxId, keyId: key.keyId }, 'ticket key id already used by another key: not published');
        return;
      }
      if (same) return;
      const now = this.d.clock.now();
      const retired = keys.filter((k) => k.use === 'ticket' && k.issuer === boxId && k.validTo === null).map((k) => ({ ...k, validTo: now + TICKET_MAX_VALIDITY_MS }));
      const record: QrKey = { keyId: key.keyId, publicKey: key.publicKey, validFrom: null, validTo: null, use: 'ticket', issuer: boxId };
      await this.apply(box.clubId, { upserts: { qrKeys: [...retired, record] }, deletes: {} });
      this.d.logger.info({ boxId, keyId: key.keyId, retired: retired.length }, 'ticket key added to the club rights');
    } catch (e) {
      this.d.logger.error({ err: e, boxId }, 'ticket key not published');
    }
  }

  /**
   * A revoked box's ticket keys stop being trusted now (validTo = now): a stolen box must not
   * print tickets the club's other boxes accept. Returns how many keys were retired.
   */
  async retireTicketKeys(boxId: string, clubId: string | null): Promise<number> {
    if (clubId === null || !(await this.d.store.directory.getClub(clubId))) return 0;
    const now = this.d.clock.now();
    const keys = (await this.d.store.rights.liveQrKeys(clubId)).filter((k) => k.use === 'ticket' && k.issuer === boxId && (k.validTo === null || k.validTo > now));
    if (keys.length === 0) return 0;
    await this.apply(clubId, { upserts: { qrKeys: keys.map((k) => ({ ...k, validTo: now })) }, deletes: {} });
    return keys.length;
  }

  async start(): Promise<void> {
    const requests = await this.d.bus.subscribe(fleetSubscription('rightsRequest'), (m) => this.onRequest(m));
    const states = await this.d.bus.subscribe(fleetSubscription('state'), (m) => this.onState(m));
    this.unsubscribe = async () => {
      await requests();
      await states();
    };
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}

/** The club's name as the contract carries it (bounded), when it has one. */
function clubNameOf(name: string | undefined): { clubName?: string } {
  return name ? { clubName: name.slice(0, 120) } : {};
}
