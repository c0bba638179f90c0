import type { SimLink } from '../../firmware-sim/link.ts';
import { transportError } from '../../agent/transport/errors.ts';
import { TransportListeners } from '../../agent/transport/listeners.ts';
import type { Transport } from '../../agent/transport/transport.ts';

/**
 * A byte link whose two ends deliver on the microtask queue, so a driver and a simulator
 * run together under ManualClock.advanceAsync (MockTransport delivers on real timers).
 * It keeps the Transport contract's open/closed rules.
 */
export function createMemoryLink(name = 'memory'): { transport: Transport; device: SimLink } {
  const listeners = new TransportListeners();
  const deviceListeners = new Set<(chunk: Uint8Array) => void>();
  let open = false;
  const transport: Transport = {
    description: `memory:${name}`,
    get isOpen() {
      return open;
    },
    async open() {
      if (open) throw transportError('TRANSPORT_ALREADY_OPEN', `memory:${name} is already open`);
      open = true;
    },
    async write(data: Uint8Array) {
      if (!open) throw transportError('TRANSPORT_NOT_OPEN', `memory:${name} is not open`);
      const copy = Uint8Array.from(data);
      queueMicrotask(() => {
        for (const l of [...deviceListeners]) l(copy);
      });
    },
    async close() {
      if (!open) return;
      open = false;
      listeners.emitClose(undefined);
    },
    on(event: 'data' | 'close' | 'error', listener: (arg: never) => void) {
      return listeners.add(event, listener);
    },
  } as Transport;
  const device: SimLink = {
    write(data) {
      const copy = Uint8Array.from(data);
      queueMicrotask(() => {
        if (open) listeners.emitData(copy);
      });
    },
    onData(l) {
      deviceListeners.add(l);
      return () => deviceListeners.delete(l);
    },
  };
  return { transport, device };
}
