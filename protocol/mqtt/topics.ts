import type { TSchema } from 'typebox';
import { err, ok, type Result } from '../core/result.ts';
import { BOX_ID_PATTERN } from './schemas/common.ts';
import { ConfigDesiredMessage, ConfigReportedMessage } from './schemas/config.ts';
import { CommandMessage, CommandResultMessage } from './schemas/commands.ts';
import { EventMessage } from './schemas/events.ts';
import { HealthMessage } from './schemas/health.ts';
import { OccupancyRelayMessage } from './schemas/occupancy.ts';
import { PassAck, PassBatch } from './schemas/passes.ts';
import { RightsMessage, RightsRequestMessage, RightsStatusMessage } from './schemas/rights.ts';
import { StateMessage } from './schemas/state.ts';
import { UpdateJobMessage, UpdateStatusMessage } from './schemas/update.ts';
import type { ContractError } from './errors.ts';

/** Every topic lives under this prefix; a breaking change of the tree bumps it. */
export const TOPIC_PREFIX = 'resabox/v1';

/** `up`: box -> fleet (the box publishes); `down`: fleet -> box (the box subscribes). */
export type TopicDirection = 'up' | 'down';

export interface TopicSpec {
  readonly suffix: string;
  readonly direction: TopicDirection;
  readonly qos: 0 | 1;
  readonly retain: boolean;
  readonly schema: TSchema;
  /** Payloads above this are refused before parsing (MQTT_PAYLOAD_TOO_LARGE). */
  readonly maxBytes: number;
  /** The kind of the topic that answers this one, if any (a key of TOPICS). */
  readonly answeredOn: string | null;
}

const KiB = 1024;

/** The whole tree in one table: topic, direction, QoS, retained, payload, who answers. */
export const TOPICS = {
  state: { suffix: 'state', direction: 'up', qos: 1, retain: true, schema: StateMessage, maxBytes: 4 * KiB, answeredOn: null },
  health: { suffix: 'health', direction: 'up', qos: 0, retain: false, schema: HealthMessage, maxBytes: 64 * KiB, answeredOn: null },
  events: { suffix: 'events', direction: 'up', qos: 1, retain: false, schema: EventMessage, maxBytes: 16 * KiB, answeredOn: null },
  passes: { suffix: 'passes', direction: 'up', qos: 1, retain: false, schema: PassBatch, maxBytes: 512 * KiB, answeredOn: 'passAck' },
  passAck: { suffix: 'passes/ack', direction: 'down', qos: 1, retain: false, schema: PassAck, maxBytes: 4 * KiB, answeredOn: null },
  command: { suffix: 'commands', direction: 'down', qos: 1, retain: false, schema: CommandMessage, maxBytes: 16 * KiB, answeredOn: 'commandResult' },
  commandResult: { suffix: 'commands/result', direction: 'up', qos: 1, retain: false, schema: CommandResultMessage, maxBytes: 256 * KiB, answeredOn: null },
  rights: { suffix: 'rights', direction: 'down', qos: 1, retain: false, schema: RightsMessage, maxBytes: 4096 * KiB, answeredOn: 'rightsStatus' },
  rightsRequest: { suffix: 'rights/request', direction: 'up', qos: 1, retain: false, schema: RightsRequestMessage, maxBytes: 4 * KiB, answeredOn: 'rights' },
  rightsStatus: { suffix: 'rights/status', direction: 'up', qos: 1, retain: true, schema: RightsStatusMessage, maxBytes: 4 * KiB, answeredOn: null },
  updateJob: { suffix: 'update/job', direction: 'down', qos: 1, retain: true, schema: UpdateJobMessage, maxBytes: 8 * KiB, answeredOn: 'updateStatus' },
  updateStatus: { suffix: 'update/status', direction: 'up', qos: 1, retain: false, schema: UpdateStatusMessage, maxBytes: 8 * KiB, answeredOn: null },
  configDesired: { suffix: 'config/desired', direction: 'down', qos: 1, retain: true, schema: ConfigDesiredMessage, maxBytes: 64 * KiB, answeredOn: 'configReported' },
  configReported: { suffix: 'config/reported', direction: 'up', qos: 1, retain: true, schema: ConfigReportedMessage, maxBytes: 16 * KiB, answeredOn: null },
  occupancyRelay: { suffix: 'occupancy/relay', direction: 'down', qos: 1, retain: false, schema: OccupancyRelayMessage, maxBytes: 128 * KiB, answeredOn: null },
} as const satisfies Record<string, TopicSpec>;

export type TopicKind = keyof typeof TOPICS;
export const TOPIC_KINDS = Object.keys(TOPICS) as TopicKind[];

const boxIdRe = new RegExp(BOX_ID_PATTERN);
const bySuffix = new Map<string, TopicKind>(TOPIC_KINDS.map((k) => [TOPICS[k].suffix, k]));

export function isValidBoxId(boxId: string): boolean {
  return boxIdRe.test(boxId);
}

/** `resabox/v1/box/{boxId}/{suffix}`. Throws on an invalid box id: ids are validated at enrollment. */
export function topicFor(kind: TopicKind, boxId: string): string {
  if (!isValidBoxId(boxId)) throw new Error(`invalid box id: ${JSON.stringify(boxId)}`);
  return `${TOPIC_PREFIX}/box/${boxId}/${TOPICS[kind].suffix}`;
}

/** The root of a box's subtree, for ACL checks. */
export function boxRoot(boxId: string): string {
  return `${TOPIC_PREFIX}/box/${boxId}/`;
}

/** What the fleet subscribes to for one kind across all boxes: `resabox/v1/box/+/{suffix}`. */
export function fleetSubscription(kind: TopicKind): string {
  return `${TOPIC_PREFIX}/box/+/${TOPICS[kind].suffix}`;
}

/** Every topic a box subscribes to (its `down` topics). */
export function boxSubscriptions(boxId: string): string[] {
  return TOPIC_KINDS.filter((k) => TOPICS[k].direction === 'down').map((k) => topicFor(k, boxId));
}

export interface ParsedTopic {
  readonly kind: TopicKind;
  readonly boxId: string;
}

/** Parses a concrete topic (no wildcards). Never throws. */
export function parseTopic(topic: string): Result<ParsedTopic, ContractError> {
  const head = `${TOPIC_PREFIX}/box/`;
  if (typeof topic !== 'string' || !topic.startsWith(head)) return err({ code: 'MQTT_TOPIC_INVALID', message: `topic is not under ${head}: ${String(topic).slice(0, 200)}` });
  const rest = topic.slice(head.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return err({ code: 'MQTT_TOPIC_INVALID', message: `topic has no message kind: ${topic.slice(0, 200)}` });
  const boxId = rest.slice(0, slash);
  if (!isValidBoxId(boxId)) return err({ code: 'MQTT_TOPIC_INVALID', message: `invalid box id in topic: ${topic.slice(0, 200)}` });
  const kind = bySuffix.get(rest.slice(slash + 1));
  if (!kind) return err({ code: 'MQTT_TOPIC_UNKNOWN', message: `unknown message kind in topic: ${topic.slice(0, 200)}` });
  return ok({ kind, boxId });
}
