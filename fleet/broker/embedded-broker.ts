import { Aedes } from 'aedes';
import type { Logger } from '../../platform/log.ts';
import { TOPICS, TOPIC_KINDS } from '../../protocol/mqtt/index.ts';
import { createAedesBus } from '../bus/aedes-bus.ts';
import type { FleetBus } from '../bus/bus.ts';
import { ConnectAdmission, defaultAdmission, type AdmissionOptions } from './admission.ts';
import { BrokerAccessControl, type BoxCredentialLookup, type ServiceIdentity } from './access-control.ts';
import { createBrokerEmitter } from './emitter.ts';
import { indexedMemoryPersistence } from './retained-index.ts';
import { emptyBrokerCounters, type BrokerCounters } from './errors.ts';
import { guarded, startListeners, type BoundAddresses, type ListenOptions } from './listeners.ts';

export interface EmbeddedBrokerOptions {
  readonly boxes: BoxCredentialLookup;
  readonly listen: ListenOptions;
  /** Credentials another fleet process or tool may use to connect with full rights. */
  readonly service?: ServiceIdentity;
  /**
   * Largest PUBLISH payload accepted from any client (default: the largest box->fleet
   * payload of the contract, 512 KiB); a box is also held to each topic's own limit.
   * A larger publish costs the sender its connection.
   */
  readonly maxPayloadBytes?: number;
  /** Box connections admitted (default defaultAdmission(): per core of the machine); false for none. */
  readonly admission?: AdmissionOptions | false;
  readonly logger: Logger;
}

export interface EmbeddedBroker {
  readonly aedes: Aedes;
  readonly addresses: BoundAddresses;
  /** The fleet's own in-process view of the broker. */
  readonly bus: FleetBus;
  readonly counters: Readonly<BrokerCounters>;
  /** Cuts every connection of the box at once (call after revoking it). Returns how many. */
  disconnectBox(boxId: string): number;
  connectedBoxes(): number;
  /** The ids of the boxes connected now. */
  connectedBoxIds(): ReadonlySet<string>;
  /** Called with a box id when its last connection closes. */
  onBoxGone(listener: (boxId: string) => void): void;
  close(): Promise<void>;
}

export const DEFAULT_MAX_PAYLOAD_BYTES = Math.max(...TOPIC_KINDS.filter((k) => TOPICS[k].direction === 'up').map((k) => TOPICS[k].maxBytes));
// Topic (up to 64 KiB) and header bytes on top of the payload, for the framing guard.
const PACKET_OVERHEAD = 65_536 + 16;

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const counters = emptyBrokerCounters();
  const log = options.logger;
  const admission = options.admission === false ? undefined : new ConnectAdmission(options.admission ?? defaultAdmission(), () => performance.now());
  const access = new BrokerAccessControl(options.boxes, options.service, maxPayloadBytes, counters, log, admission);
  // Box ids are up to 63 characters and are the client ids.
  // Both for a connect storm: the emitter drains its queue without recursing to a stack
  // overflow (emitter.ts), a box's subscriptions find retained messages by lookup (retained-index.ts).
  const aedes = await Aedes.createBroker({ ...access.hooks(), maxClientsIdLength: 64, mq: createBrokerEmitter(), persistence: indexedMemoryPersistence() });
  const gone = new Set<(boxId: string) => void>();
  aedes.on('clientDisconnect', (client) => {
    const boxId = access.forget(client);
    if (boxId) for (const l of gone) l(boxId);
  });
  aedes.on('clientError', (client, e) => log.debug({ clientId: client.id, err: e.message }, 'client error'));
  const closeAedes = () => new Promise<void>((resolve) => aedes.close(() => resolve()));
  let listeners: Awaited<ReturnType<typeof startListeners>>;
  try {
    listeners = await startListeners(options.listen, (stream) => {
      const conn = guarded(stream, maxPayloadBytes + PACKET_OVERHEAD, (bytes) => {
        counters.BROKER_PACKET_TOO_LARGE++;
        log.warn({ code: 'BROKER_PACKET_TOO_LARGE', bytes }, 'connection cut: packet too large');
      });
      conn.on('error', () => undefined);
      aedes.handle(conn);
    });
  } catch (e) {
    // aedes' own timers would keep the process alive after a failed start.
    await closeAedes();
    throw e;
  }
  const bus = createAedesBus(aedes, log);
  return {
    aedes,
    addresses: listeners.addresses,
    bus,
    counters,
    disconnectBox: (boxId) => access.disconnectBox(boxId),
    connectedBoxes: () => access.connectedBoxes(),
    connectedBoxIds: () => access.connectedBoxIds(),
    onBoxGone: (listener) => void gone.add(listener),
    async close() {
      await bus.close();
      await listeners.close();
      await closeAedes();
    },
  };
}
