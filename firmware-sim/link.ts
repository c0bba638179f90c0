/**
 * What a simulated device is attached to: the device side of a byte link.
 * Implemented by a pty end (serialport), a TCP socket, or the device end of the agent's
 * MockTransport (structurally: the simulators never import agent code).
 */
export interface SimLink {
  /** Sends bytes from the device towards the host. */
  write(data: Uint8Array): void;
  /** Bytes the host sent to the device. Returns the unsubscribe function. */
  onData(listener: (chunk: Uint8Array) => void): () => void;
}
