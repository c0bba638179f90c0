import type { IClientOptions } from 'mqtt';

/**
 * The fleet's own session on an external broker, set up in this one place. A single fleet:
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

/**
 * Several fleet instances (`instance` set) share every subscription in this group
 * (`$share/resabox-fleet/<filter>`, MQTT 5 shared subscriptions, which Mosquitto 2 also
 * grants to MQTT 3.1.1 clients): the broker hands each message to one of them. Each
 * instance then has its own client id and a clean session. Mosquitto 2.0 keeps handing a
 * persistent but disconnected member its share of the messages, which would sit in a dead
 * instance's queue; a clean session leaves the group when its connection drops, and the
 * survivors get everything. Boxes re-send an unacknowledged pass batch, so a batch taken
 * by an instance that died before committing is stored by another one.
 */
export const SHARE_GROUP = 'resabox-fleet';

export function sharedFilter(filter: string): string {
  return `$share/${SHARE_GROUP}/${filter}`;
}

export function fleetSessionOptions(o: { username: string; password: string; clientId?: string; instance?: string }): IClientOptions {
  return {
    protocolVersion: 4,
    username: o.username,
    password: o.password,
    clientId: o.clientId ?? (o.instance ? `${o.username}-${o.instance}` : o.username),
    clean: o.instance !== undefined,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  };
}

/** Messages the broker delivered before any handler was subscribed for them: at most this many wait. */
export const MAX_EARLY_MESSAGES = 50_000;
