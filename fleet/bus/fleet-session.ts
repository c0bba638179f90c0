import type { IClientOptions } from 'mqtt';

/**
 * The fleet's own session on an external broker, set up in this one place (several fleet
 * instances will later share subscriptions; this is where that changes):
 * - a fixed client id (the service username unless given), so a restarted fleet resumes
 *   the same session;
 * - clean session off, so the broker keeps the subscriptions and queues the QoS 1
 *   messages (pass batches, events, command results) published while the fleet is away,
 *   and delivers them on its return, in order, without waiting for the boxes to reconnect;
 * - every subscription at QoS 1, and never unsubscribed at the broker: a stopping fleet
 *   only drops its handlers, so that its subscriptions keep collecting while it is away.
 * Health is QoS 0 from the boxes and is not queued (Mosquitto's default), which is what
 * lets a live health report prove a box is connected (broker/presence.ts).
 */
export const FLEET_SUBSCRIPTION_QOS = 1;

export function fleetSessionOptions(o: { username: string; password: string; clientId?: string }): IClientOptions {
  return {
    protocolVersion: 4,
    username: o.username,
    password: o.password,
    clientId: o.clientId ?? o.username,
    clean: false,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  };
}

/** Messages the broker delivered before any handler was subscribed for them: at most this many wait. */
export const MAX_EARLY_MESSAGES = 50_000;
