import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { decode, encode, fleetSubscription, parseTopic, topicFor, type MessageOf, type TopicKind } from '../../protocol/mqtt/index.ts';
import type { BusMessage, FleetBus } from '../bus/bus.ts';
import type { FleetRepositories, FleetStore, PassRecord } from '../store/repositories.ts';
import { emptyIngestStats, type IngestErrorCode, type IngestStats } from './errors.ts';
import { boxEvent, deviceStatuses, healthMetrics, passRecord } from './mapping.ts';
import { OccupancyRelay } from './occupancy-relay.ts';
import { PassGroupCommit, type BatchOutcome, type GroupCommitOptions, type QueuedBatch } from './pass-commit.ts';

/** What ingest tells the alert engine after each stored input. */
export interface IngestListener {
  onState?(boxId: string): void | Promise<void>;
  onHealth?(boxId: string, health: MessageOf<'health'>): void | Promise<void>;
  onEvent?(boxId: string, event: MessageOf<'events'>): void | Promise<void>;
}

export interface Ingest {
  readonly stats: IngestStats;
  /** Resolves once every pass batch received so far is committed and acknowledged (or rejected). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

const INGESTED = ['state', 'health', 'events', 'passes', 'rightsStatus', 'configReported'] as const satisfies readonly TopicKind[];

/**
 * Box -> fleet messages into the store. Every payload is decoded with the contract's
 * decoders; a bad one is logged with its code, counted and dropped, never thrown. Pass
 * batches are stored by group commit (several batches, one transaction) and each is
 * acknowledged on `passes/ack` only after the transaction that stored it committed.
 */
export async function startIngest(deps: { bus: FleetBus; store: FleetStore; clock: Clock; logger: Logger; listener?: IngestListener; passCommit?: GroupCommitOptions }): Promise<Ingest> {
  const { bus, store, clock, logger: log, listener } = deps;
  const stats = emptyIngestStats();
  const relay = new OccupancyRelay({ bus, store, clock, logger: log });
  const relaying = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    relaying.add(p);
    void p.finally(() => relaying.delete(p));
  };

  const reject = (code: IngestErrorCode, message: string, topic: string, extra: Record<string, unknown> = {}) => {
    stats.rejected[code] = (stats.rejected[code] ?? 0) + 1;
    log.warn({ code, topic, ...extra }, message);
  };

  /** Decodes and resolves the box; undefined (after logging) when the message must be dropped. */
  const accept = async <K extends TopicKind>(kind: K, m: BusMessage): Promise<{ boxId: string; message: MessageOf<K> } | undefined> => {
    const topic = parseTopic(m.topic);
    if (!topic.ok) return void reject(topic.error.code, topic.error.message, m.topic);
    const decoded = decode(kind, m.payload);
    if (!decoded.ok) return void reject(decoded.error.code, decoded.error.message, m.topic, { box: topic.value.boxId, issues: decoded.error.issues });
    if (!(await store.boxes.get(topic.value.boxId))) return void reject('INGEST_UNKNOWN_BOX', 'message from a box the store does not know', m.topic);
    return { boxId: topic.value.boxId, message: decoded.value };
  };

  /** Runs a store write; a failure is logged and counted, and the message is not acknowledged. */
  const write = async (topic: string, fn: (tx: FleetRepositories) => Promise<unknown>): Promise<boolean> => {
    try {
      await store.transaction(fn);
      return true;
    } catch (e) {
      reject('INGEST_STORE_FAILED', `store write failed: ${(e as Error).message}`, topic);
      return false;
    }
  };

  const count = (kind: string) => (stats.accepted[kind] = (stats.accepted[kind] ?? 0) + 1);

  const handlers: { [K in (typeof INGESTED)[number]]: (m: BusMessage) => Promise<void> } = {
    async state(m) {
      const a = await accept('state', m);
      if (!a) return;
      const now = clock.now();
      // A revoked box's retained "online" (replayed by an external broker) must not revive it.
      const online = a.message.state === 'online' && (await store.boxes.get(a.boxId))?.status !== 'revoked';
      if (
        !(await write(m.topic, async (tx) => {
          await tx.boxes.recordState(a.boxId, { agentVersion: a.message.agentVersion, raw: a.message }, now);
          await tx.boxes.setOnline(a.boxId, online, now);
        }))
      )
        return;
      count('state');
      // Online: the box gets its club siblings' recent passages (occupancy per club zone).
      if (online) track(relay.online(a.boxId));
      else relay.forget();
      await listener?.onState?.(a.boxId);
    },
    async health(m) {
      const a = await accept('health', m);
      if (!a) return;
      const now = clock.now();
      if (
        !(await write(m.topic, async (tx) => {
          await tx.health.insert(a.boxId, now, healthMetrics(a.message));
          await tx.devices.upsert(a.boxId, deviceStatuses(a.message), now);
          await tx.boxes.recordHealth(a.boxId, { ...a.message, receivedAt: now }, now);
        }))
      )
        return;
      count('health');
      await listener?.onHealth?.(a.boxId, a.message);
    },
    async events(m) {
      const a = await accept('events', m);
      if (!a) return;
      if (!(await write(m.topic, (tx) => tx.events.insert(a.boxId, boxEvent(a.message), clock.now())))) return;
      count('events');
      await listener?.onEvent?.(a.boxId, a.message);
    },
    async rightsStatus(m) {
      const a = await accept('rightsStatus', m);
      if (!a) return;
      if (!(await write(m.topic, (tx) => tx.boxes.recordRightsStatus(a.boxId, a.message.version, clock.now())))) return;
      count('rightsStatus');
      await listener?.onState?.(a.boxId);
    },
    async configReported(m) {
      const a = await accept('configReported', m);
      if (!a) return;
      if (!(await write(m.topic, (tx) => tx.boxes.recordConfigReported(a.boxId, a.message, clock.now())))) return;
      count('configReported');
    },
    async passes(m) {
      const topic = parseTopic(m.topic);
      if (!topic.ok) return void reject(topic.error.code, topic.error.message, m.topic);
      const decoded = decode('passes', m.payload);
      if (!decoded.ok) return void reject(decoded.error.code, decoded.error.message, m.topic, { box: topic.value.boxId, issues: decoded.error.issues });
      const batch = decoded.value;
      // Not awaited beyond the queue: the next messages join the group being gathered (pass-commit.ts).
      await passCommit.add({ topic: m.topic, boxId: topic.value.boxId, batchId: batch.batchId, passes: batch.passes.map((p) => passRecord(batch.batchId, p)) });
    },
  };

  /** After the batch's transaction committed: only now may the box advance its outbox cursor. */
  const settlePasses = (b: QueuedBatch, outcome: BatchOutcome) => {
    if (!outcome.ok) return void reject(outcome.code, outcome.message, b.topic);
    stats.passesStored += outcome.inserted;
    stats.passesDuplicate += outcome.duplicates;
    count('passes');
    const ack = encode('passAck', {
      v: 1,
      batchId: b.batchId,
      firstSeq: (b.passes[0] as PassRecord).seq,
      lastSeq: (b.passes[b.passes.length - 1] as PassRecord).seq,
      stored: outcome.inserted,
      duplicates: outcome.duplicates,
      ts: clock.now(),
    });
    // Not awaited: the next batch need not wait for the broker's PUBACK of this ack (acks
    // still leave in order, and a lost one only makes the box re-send a stored batch).
    bus.publish(topicFor('passAck', b.boxId), Buffer.from(ack), { qos: 1 }).catch((e: unknown) => {
      reject('INGEST_ACK_FAILED', `ack publish failed: ${(e as Error).message}`, b.topic, { batchId: b.batchId });
    });
    // Committed: the club's other boxes count these passages too.
    track(relay.committed(b.boxId, b.passes));
  };
  const passCommit = new PassGroupCommit(store, clock, settlePasses, deps.passCommit);

  const unsubscribe = await Promise.all(INGESTED.map((kind) => bus.subscribe(fleetSubscription(kind), handlers[kind])));
  return {
    stats,
    settled: async () => {
      await passCommit.settled();
      await Promise.all(relaying);
    },
    async stop() {
      await Promise.all(unsubscribe.map((u) => u()));
      // What was queued before is committed, acknowledged and relayed, before the store may close.
      await passCommit.settled();
      await Promise.all(relaying);
    },
  };
}
