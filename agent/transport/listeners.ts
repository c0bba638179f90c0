import type { TransportError } from './transport.ts';

/** The listener bookkeeping every Transport implementation shares. */
export class TransportListeners {
  readonly data = new Set<(chunk: Uint8Array) => void>();
  readonly close = new Set<(reason?: TransportError) => void>();
  readonly error = new Set<(error: TransportError) => void>();

  add(event: 'data' | 'close' | 'error', listener: (arg: never) => void): () => void {
    const set = this[event] as Set<(arg: never) => void>;
    set.add(listener);
    return () => set.delete(listener);
  }

  emitData(chunk: Uint8Array): void {
    for (const l of [...this.data]) l(chunk);
  }

  emitClose(reason?: TransportError): void {
    for (const l of [...this.close]) l(reason);
  }

  emitError(error: TransportError): void {
    for (const l of [...this.error]) l(error);
  }
}
