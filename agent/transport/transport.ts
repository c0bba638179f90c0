/**
 * The byte link between a device driver and its device (types only).
 *
 * Drivers are handed a Transport and never import serialport, node-hid or net
 * (the composition root picks serial, HID, TCP or mock). Every implementation
 * honours this contract, and one shared suite (test/contract/transport.contract.ts)
 * checks it against each of them:
 *
 * - `open()` resolves once bytes can flow. Opening an open transport (or one whose open is
 *   still in progress) rejects with TRANSPORT_ALREADY_OPEN. A failed open rejects with
 *   TRANSPORT_OPEN_FAILED and leaves the transport closed; it may be opened again later.
 * - `write()` resolves when the bytes were handed to the OS/device (not when the peer
 *   read them). Writes are delivered in call order; a caller may issue a new write
 *   before the previous one resolved, the transport queues it. Writing while closed
 *   rejects with TRANSPORT_NOT_OPEN. An empty write resolves and sends nothing.
 * - Incoming bytes are delivered to `data` listeners in order, as chunks of any size:
 *   a frame may arrive split at any byte, or several frames in one chunk. Parsers
 *   must not assume chunk boundaries mean anything.
 * - `close()` is idempotent. Pending writes reject with TRANSPORT_CLOSED. `close`
 *   listeners fire exactly once per open, with `reason` undefined for a requested
 *   close and a TransportError when the link was lost (cable pulled, peer closed,
 *   device unplugged). After a lost link the transport is closed and can be reopened.
 * - `error` listeners receive non-fatal errors (e.g. a failed write); a fatal error
 *   also closes the transport and is then reported through `close`.
 */
export interface Transport {
  /** A human-readable description, e.g. "serial:/dev/ttyUSB0@9600" or "tcp:127.0.0.1:9100". */
  readonly description: string;
  readonly isOpen: boolean;
  open(): Promise<void>;
  write(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
  /** Subscribes; returns the unsubscribe function. */
  on(event: 'data', listener: (chunk: Uint8Array) => void): () => void;
  on(event: 'close', listener: (reason?: TransportError) => void): () => void;
  on(event: 'error', listener: (error: TransportError) => void): () => void;
}

export type TransportErrorCode =
  | 'TRANSPORT_NOT_OPEN'
  | 'TRANSPORT_ALREADY_OPEN'
  | 'TRANSPORT_OPEN_FAILED'
  | 'TRANSPORT_CLOSED'
  | 'TRANSPORT_WRITE_FAILED'
  | 'TRANSPORT_LINK_LOST'
  | 'TRANSPORT_UNAVAILABLE';

export interface TransportError extends Error {
  readonly code: TransportErrorCode;
}

/** Configuration of a transport, as it appears in the box configuration file. */
export type TransportConfig =
  | { kind: 'serial'; path: string; baudRate: number; dataBits?: 7 | 8; parity?: 'none' | 'even' | 'odd'; stopBits?: 1 | 2; rs485?: boolean }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'hid'; vendorId: number; productId: number; serialNumber?: string }
  | { kind: 'mock'; name: string };
