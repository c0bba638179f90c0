/**
 * What the API needs from the fleet's MQTT side: publish to a box's topics, hear the
 * boxes' answers, and cut a box off. fleet/broker's FleetBus (embedded aedes or an external
 * broker) is adapted to this in the composition root (fleet/cli/serve.ts).
 */
export interface BoxBus {
  publish(topic: string, payload: Uint8Array, options: { qos: 0 | 1; retain: boolean }): Promise<void>;
  /** Calls `onMessage` for every message on `filter` (MQTT wildcards); resolves once subscribed. */
  subscribe(filter: string, onMessage: (topic: string, payload: Uint8Array) => void): Promise<() => Promise<void>>;
  /** Closes the box's live session, if any. */
  disconnectBox(boxId: string): Promise<void>;
}
