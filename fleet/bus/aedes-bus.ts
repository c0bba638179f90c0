import type { Aedes, AedesPublishPacket } from 'aedes';
import type { Logger } from '../../platform/log.ts';
import { DEFAULT_MAX_PENDING, SerialHandler, type FleetBus } from './bus.ts';

/**
 * The FleetBus of the embedded broker: the fleet publishes and subscribes in process,
 * without a socket or credentials. A delivery is confirmed to aedes as soon as it is
 * queued for its handler: holding it until the handler is done would deadlock as soon as
 * a handler publishes (an ack) while aedes' emitter is full of deliveries waiting on
 * handlers. Handlers still run one at a time per subscription, in order.
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
      const serial = new SerialHandler(
        handler,
        (e, m) => logger.error({ err: e, topic: m.topic, code: 'BUS_HANDLER_FAILED' }, 'bus handler failed'),
        DEFAULT_MAX_PENDING,
        (m) => logger.warn({ topic: m.topic, code: 'BUS_OVERLOADED' }, 'fleet behind: message dropped'),
      );
      const entry = {
        filter,
        deliver: (packet: AedesPublishPacket, cb: () => void) => {
          const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : Buffer.from(packet.payload);
          void serial.push({ topic: packet.topic, payload, retain: packet.retain });
          // Later, not now: a synchronous cb makes the emitter deliver the next message
          // inside this call, and a burst overflows the stack (aedes defers the same way).
          setImmediate(cb);
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
