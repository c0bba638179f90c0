import type { Aedes, AedesPublishPacket } from 'aedes';
import type { Logger } from '../../platform/log.ts';
import { SerialHandler, type FleetBus } from './bus.ts';

/**
 * The FleetBus of the embedded broker: the fleet publishes and subscribes in process,
 * without a socket or credentials. A delivery is confirmed to aedes only once the
 * handler is done, so a box's QoS 1 PUBACK for a pass batch comes after ingest handled
 * it, and a flood of messages slows the boxes instead of filling the fleet's memory.
 */
export function createAedesBus(broker: Aedes, logger: Logger): FleetBus {
  const subscriptions = new Set<{ filter: string; deliver: (packet: AedesPublishPacket, cb: () => void) => void }>();
  return {
    publish(topic, payload, options) {
      return new Promise((resolve, reject) => {
        broker.publish(
          { cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos: options.qos, retain: options.retain ?? false, dup: false },
          (e) => (e ? reject(e) : resolve()),
        );
      });
    },
    subscribe(filter, handler) {
      const serial = new SerialHandler(handler, (e, m) => logger.error({ err: e, topic: m.topic, code: 'BUS_HANDLER_FAILED' }, 'bus handler failed'));
      const entry = {
        filter,
        deliver: (packet: AedesPublishPacket, cb: () => void) => {
          const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : Buffer.from(packet.payload);
          void serial.push({ topic: packet.topic, payload, retain: packet.retain }).then(cb);
        },
      };
      subscriptions.add(entry);
      return new Promise((resolve) => {
        broker.subscribe(filter, entry.deliver, () =>
          resolve(
            () =>
              new Promise<void>((done) => {
                subscriptions.delete(entry);
                broker.unsubscribe(filter, entry.deliver, () => done());
              }),
          ),
        );
      });
    },
    async close() {
      await Promise.all([...subscriptions].map((s) => new Promise<void>((done) => broker.unsubscribe(s.filter, s.deliver, () => done()))));
      subscriptions.clear();
    },
  };
}
