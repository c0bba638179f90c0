import { TOPICS, TOPIC_KINDS, TOPIC_PREFIX, boxRoot } from '../../protocol/mqtt/index.ts';

/**
 * The per-box topic ACL of the embedded broker, from the contract's topic table: a box
 * publishes only the `up` topics and subscribes only the `down` topics of its own
 * subtree, by exact topic (no `+` or `#` at all, so no filter can reach another box or
 * the whole tree).
 */
export const TOPIC_ROOT = `${TOPIC_PREFIX}/box/`;

export const BOX_PUBLISH_SUFFIXES: ReadonlySet<string> = new Set(TOPIC_KINDS.filter((k) => TOPICS[k].direction === 'up').map((k) => TOPICS[k].suffix));
export const BOX_SUBSCRIBE_SUFFIXES: ReadonlySet<string> = new Set(TOPIC_KINDS.filter((k) => TOPICS[k].direction === 'down').map((k) => TOPICS[k].suffix));

function suffixIn(boxId: string, topic: string, allowed: ReadonlySet<string>): boolean {
  const own = boxRoot(boxId);
  return topic.startsWith(own) && allowed.has(topic.slice(own.length));
}

export function boxMayPublish(boxId: string, topic: string): boolean {
  return suffixIn(boxId, topic, BOX_PUBLISH_SUFFIXES);
}

export function boxMaySubscribe(boxId: string, filter: string): boolean {
  return !/[+#]/.test(filter) && suffixIn(boxId, filter, BOX_SUBSCRIBE_SUFFIXES);
}
