/**
 * The per-box topic ACL of the embedded broker: a box publishes only the box->fleet
 * topics and subscribes only the fleet->box topics of its own subtree, by exact topic
 * (no `+` or `#` at all, so no filter can reach another box or the whole tree).
 */
export const TOPIC_ROOT = 'resabox/v1/box/';

export const BOX_PUBLISH_SUFFIXES: ReadonlySet<string> = new Set([
  'state',
  'health',
  'events',
  'passes',
  'commands/result',
  'rights/request',
  'rights/status',
  'update/status',
  'config/reported',
]);

export const BOX_SUBSCRIBE_SUFFIXES: ReadonlySet<string> = new Set(['passes/ack', 'commands', 'rights', 'update/job', 'config/desired']);

function suffixIn(boxId: string, topic: string, allowed: ReadonlySet<string>): boolean {
  const own = `${TOPIC_ROOT}${boxId}/`;
  return topic.startsWith(own) && allowed.has(topic.slice(own.length));
}

export function boxMayPublish(boxId: string, topic: string): boolean {
  return suffixIn(boxId, topic, BOX_PUBLISH_SUFFIXES);
}

export function boxMaySubscribe(boxId: string, filter: string): boolean {
  return !/[+#]/.test(filter) && suffixIn(boxId, filter, BOX_SUBSCRIBE_SUFFIXES);
}
