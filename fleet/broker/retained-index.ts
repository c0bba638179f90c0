import { Readable } from 'node:stream';
import memoryPersistenceModule, { type AedesPersistence, type CallbackError, type Packet } from 'aedes-persistence';

// A CommonJS module: its default import is the factory itself (its types describe an ES default).
const memoryPersistence = memoryPersistenceModule as unknown as () => AedesPersistence;
type RetainedPacket = Packet & { topic: string; payload: Buffer | string };

const isExact = (pattern: string) => !pattern.includes('+') && !pattern.includes('#');

/**
 * aedes' in-memory persistence, with its retained messages also indexed by topic.
 *
 * On every SUBSCRIBE aedes asks the persistence for the retained messages matching each
 * filter, and aedes-persistence 11 answers by testing every retained topic against it.
 * Every box keeps a retained `state`, and subscribes to its six exact `down` topics at
 * each connect: 10,000 boxes reconnecting were 10,000 x 6 x 10,000 topic tests, most of
 * the embedded broker's CPU in a storm. An exact filter (no `+` or `#`, which is every box
 * subscription) is now a map lookup; a filter with wildcards (the fleet's own, once at
 * start) still goes through the scan.
 */
export function indexedMemoryPersistence(): AedesPersistence {
  const persistence = memoryPersistence();
  const byTopic = new Map<string, RetainedPacket>();
  const storeRetained = persistence.storeRetained.bind(persistence);
  const scanCombi = persistence.createRetainedStreamCombi.bind(persistence);
  const scan = persistence.createRetainedStream.bind(persistence);
  persistence.storeRetained = (packet: Packet, cb: (error: CallbackError) => void) => {
    const p = packet as RetainedPacket;
    // As the memory persistence does: an empty payload clears the topic's retained message.
    if (p.payload.length === 0) byTopic.delete(p.topic);
    else byTopic.set(p.topic, { ...p });
    return storeRetained(packet, cb);
  };
  const lookup = (patterns: string[]) => Readable.from(patterns.flatMap((t) => byTopic.get(t) ?? []));
  persistence.createRetainedStreamCombi = (patterns: string[]) => (patterns.every(isExact) ? lookup(patterns) : scanCombi(patterns));
  persistence.createRetainedStream = (pattern: string) => (isExact(pattern) ? lookup([pattern]) : scan(pattern));
  return persistence;
}
