import type { Static } from 'typebox';
import { Compile } from 'typebox/compile';
import type { Validator } from 'typebox/compile';
import { err, ok, type Result } from '../core/result.ts';
import type { ContractError } from './errors.ts';
import { SCHEMA_VERSION } from './schemas/common.ts';
import { TOPICS, parseTopic, type TopicKind } from './topics.ts';

/** The decoded payload type of each topic kind. */
export type MessageOf<K extends TopicKind> = Static<(typeof TOPICS)[K]['schema']>;

const validators = new Map<TopicKind, Validator>();

/** Each topic's validator, compiled on first use: a box decodes only the fleet's few downlink kinds (memory, start-up time). */
function validatorOf(kind: TopicKind): Validator {
  let v = validators.get(kind);
  if (!v) {
    v = Compile(TOPICS[kind].schema) as unknown as Validator;
    validators.set(kind, v);
  }
  return v;
}
const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** Rules a JSON schema cannot say: orderings between fields. Returns a problem or null. */
const semanticChecks: { [K in TopicKind]?: (m: MessageOf<K>) => string | null } = {
  passes: (m) => {
    for (let i = 1; i < m.passes.length; i++) if ((m.passes[i] as { seq: number }).seq <= (m.passes[i - 1] as { seq: number }).seq) return `/passes/${i}/seq: sequence numbers must strictly increase within a batch`;
    return null;
  },
  passAck: (m) => (m.firstSeq > m.lastSeq ? '/lastSeq: must not be below firstSeq' : null),
  command: (m) => (m.expiresAt < m.issuedAt ? '/expiresAt: must not be before issuedAt' : null),
  updateJob: (m) => (m.expiresAt < m.issuedAt ? '/expiresAt: must not be before issuedAt' : null),
  rights: (m) => {
    if (m.kind === 'snapshot') return m.chunk >= m.chunks ? '/chunk: must be below chunks' : null;
    return m.version <= m.baseVersion ? '/version: a delta must move to a version above its baseVersion' : null;
  },
};

/**
 * Decodes a payload received on a topic of `kind`. Never throws: every problem is a
 * ContractError with a stable code (size, UTF-8, JSON, schema version, schema).
 */
export function decode<K extends TopicKind>(kind: K, payload: Uint8Array | string): Result<MessageOf<K>, ContractError> {
  try {
    return decodeUnsafe(kind, payload);
  } catch (e) {
    // Defensive: a validator bug must not take the service down; report it as invalid.
    return err({ code: 'MQTT_PAYLOAD_INVALID', message: `payload could not be validated: ${(e as Error)?.message ?? String(e)}` });
  }
}

function decodeUnsafe<K extends TopicKind>(kind: K, payload: Uint8Array | string): Result<MessageOf<K>, ContractError> {
  const spec = TOPICS[kind];
  const size = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.byteLength;
  if (size > spec.maxBytes) return err({ code: 'MQTT_PAYLOAD_TOO_LARGE', message: `${kind} payload is ${size} bytes, limit ${spec.maxBytes}` });
  let text: string;
  if (typeof payload === 'string') text = payload;
  else {
    try {
      text = utf8.decode(payload);
    } catch {
      return err({ code: 'MQTT_PAYLOAD_NOT_UTF8', message: `${kind} payload is not valid UTF-8` });
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return err({ code: 'MQTT_PAYLOAD_NOT_JSON', message: `${kind} payload is not JSON: ${(e as Error).message}` });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return err({ code: 'MQTT_PAYLOAD_INVALID', message: `${kind} payload must be a JSON object` });
  const v = (value as { v?: unknown }).v;
  if (v !== SCHEMA_VERSION) return err({ code: 'MQTT_SCHEMA_VERSION_UNSUPPORTED', message: `${kind} payload has schema version ${JSON.stringify(v) ?? 'none'}; this side speaks v${SCHEMA_VERSION}` });
  const validator = validatorOf(kind);
  if (!validator.Check(value)) {
    const issues = mostSpecific(validator.Errors(value));
    return err({ code: 'MQTT_PAYLOAD_INVALID', message: `${kind} payload does not match its schema: ${issues.map((i) => `${i.path || '/'} ${i.message}`).join('; ')}`, issues });
  }
  const check = semanticChecks[kind] as ((m: MessageOf<K>) => string | null) | undefined;
  const problem = check?.(value as MessageOf<K>);
  if (problem) return err({ code: 'MQTT_PAYLOAD_INVALID', message: `${kind} payload is inconsistent: ${problem}`, issues: [{ path: problem.split(':')[0] ?? '', message: problem }] });
  return ok(value as MessageOf<K>);
}

/** Keeps the deepest errors (a union reports one error per branch plus a summary; the leaves say more). */
function mostSpecific(errors: readonly { instancePath: string; message: string; keyword: string }[]): { path: string; message: string }[] {
  const leaves = errors.filter((e) => e.keyword !== 'anyOf');
  const chosen = leaves.length > 0 ? leaves : errors;
  const seen = new Set<string>();
  const out: { path: string; message: string }[] = [];
  for (const e of chosen) {
    const key = `${e.instancePath} ${e.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: e.instancePath, message: e.message });
    if (out.length >= 5) break;
  }
  return out;
}

/**
 * Encodes a message for `kind`. The value is validated: sending an invalid message is a
 * bug on our side, so this throws (with the contract error) instead of publishing it.
 */
export function encode<K extends TopicKind>(kind: K, message: MessageOf<K>): Uint8Array {
  const bytes = encoder.encode(JSON.stringify(message));
  const back = decode(kind, bytes);
  if (!back.ok) throw Object.assign(new Error(`refusing to publish an invalid ${kind} message: ${back.error.message}`), { code: back.error.code });
  return bytes;
}

/** Decodes a message whose kind comes from its topic: what a subscriber on wildcards calls. */
export function decodeFromTopic(topic: string, payload: Uint8Array | string): Result<{ boxId: string; kind: TopicKind; message: MessageOf<TopicKind> }, ContractError> {
  const parsed = parseTopic(topic);
  if (!parsed.ok) return parsed;
  const decoded = decode(parsed.value.kind, payload);
  if (!decoded.ok) return decoded;
  return ok({ boxId: parsed.value.boxId, kind: parsed.value.kind, message: decoded.value });
}
