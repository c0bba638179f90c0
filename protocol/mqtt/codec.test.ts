import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, decodeFromTopic, encode, type MessageOf } from './codec.ts';
import { CONTRACT_ERROR_CODES } from './errors.ts';
import { VALID_MESSAGES } from './fixtures.ts';
import { TOPIC_KINDS, TOPICS, topicFor, type TopicKind } from './topics.ts';

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const clone = <T>(v: T): T => structuredClone(v);
const codeOf = (kind: TopicKind, payload: Uint8Array | string) => {
  const r = decode(kind, payload);
  return r.ok ? 'OK' : r.error.code;
};

/** A required field of each kind to drop, and a field to give the wrong type. */
const BREAKAGE: { [K in TopicKind]: { drop: string; wrongType: [string, unknown] } } = {
  state: { drop: 'bootId', wrongType: ['state', 'sleeping'] },
  health: { drop: 'devices', wrongType: ['uptimeS', '1h'] },
  events: { drop: 'eventId', wrongType: ['severity', 'fatal'] },
  passes: { drop: 'batchId', wrongType: ['passes', {}] },
  passAck: { drop: 'lastSeq', wrongType: ['firstSeq', 0] },
  command: { drop: 'expiresAt', wrongType: ['kind', 'format-disk'] },
  commandResult: { drop: 'status', wrongType: ['status', 'done'] },
  rights: { drop: 'clubId', wrongType: ['kind', 'patch'] },
  rightsRequest: { drop: 'reason', wrongType: ['haveVersion', -1] },
  rightsStatus: { drop: 'version', wrongType: ['members', 1.5] },
  updateJob: { drop: 'targetName', wrongType: ['version', 'latest'] },
  updateStatus: { drop: 'state', wrongType: ['progress', 2] },
  configDesired: { drop: 'config', wrongType: ['version', 'three'] },
  configReported: { drop: 'errors', wrongType: ['status', 'ok'] },
  occupancyRelay: { drop: 'originBoxId', wrongType: ['passages', []] },
};

describe.each(TOPIC_KINDS)('contract message %s', (kind) => {
  const valid = VALID_MESSAGES[kind];

  it('decodes its valid fixture to the same value', () => {
    const r = decode(kind, bytes(valid));
    expect(r).toEqual({ ok: true, value: valid });
  });

  it('round-trips through encode and decode, from bytes and from a string', () => {
    const encoded = encode(kind, valid as MessageOf<typeof kind>);
    expect(decode(kind, encoded)).toEqual({ ok: true, value: valid });
    expect(decode(kind, new TextDecoder().decode(encoded))).toEqual({ ok: true, value: valid });
  });

  it('refuses an oversized payload before parsing it', () => {
    const big = new Uint8Array(TOPICS[kind].maxBytes + 1).fill(0x20);
    expect(codeOf(kind, big)).toBe('MQTT_PAYLOAD_TOO_LARGE');
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(codeOf(kind, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))).toBe('MQTT_PAYLOAD_NOT_UTF8');
  });

  it('refuses text that is not JSON', () => {
    expect(codeOf(kind, '{"v":1,')).toBe('MQTT_PAYLOAD_NOT_JSON');
    expect(codeOf(kind, '')).toBe('MQTT_PAYLOAD_NOT_JSON');
  });

  it('refuses JSON that is not an object', () => {
    for (const p of ['[]', '1', '"x"', 'null', 'true']) expect(codeOf(kind, p)).toBe('MQTT_PAYLOAD_INVALID');
  });

  it('refuses another or a missing schema version', () => {
    expect(codeOf(kind, bytes({ ...valid, v: 2 }))).toBe('MQTT_SCHEMA_VERSION_UNSUPPORTED');
    expect(codeOf(kind, bytes({ ...valid, v: '1' }))).toBe('MQTT_SCHEMA_VERSION_UNSUPPORTED');
    const { v: _v, ...noVersion } = valid as Record<string, unknown>;
    expect(codeOf(kind, bytes(noVersion))).toBe('MQTT_SCHEMA_VERSION_UNSUPPORTED');
  });

  it('refuses a payload missing a required field, naming it', () => {
    const broken = clone(valid) as Record<string, unknown>;
    delete broken[BREAKAGE[kind].drop];
    const r = decode(kind, bytes(broken));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('MQTT_PAYLOAD_INVALID');
      expect(r.error.message).toContain(BREAKAGE[kind].drop);
    }
  });

  it('refuses a field of the wrong type, with its path', () => {
    const [field, value] = BREAKAGE[kind].wrongType;
    const r = decode(kind, bytes({ ...valid, [field]: value }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('MQTT_PAYLOAD_INVALID');
      expect(r.error.issues?.length).toBeGreaterThan(0);
    }
  });

  it('ignores unknown extra fields (a newer sender stays readable)', () => {
    const r = decode(kind, bytes({ ...valid, addedInAFutureMinorVersion: true }));
    expect(r.ok).toBe(true);
  });

  it('never throws on arbitrary JSON, and answers with a known code', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const r = decode(kind, JSON.stringify(value) ?? 'null');
        if (!r.ok) expect(CONTRACT_ERROR_CODES).toContain(r.error.code);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (payload) => {
        const r = decode(kind, payload);
        expect(r.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on the valid message with any field replaced by arbitrary JSON', () => {
    const keys = Object.keys(valid);
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, value) => {
        const r = decode(kind, bytes({ ...valid, [key]: value }));
        if (!r.ok) expect(CONTRACT_ERROR_CODES).toContain(r.error.code);
      }),
      { numRuns: 200 },
    );
  });
});

describe('rules between fields', () => {
  it('refuses a pass batch whose sequence numbers do not strictly increase', () => {
    const batch = clone(VALID_MESSAGES.passes);
    (batch.passes[1] as { seq: number }).seq = 1201;
    const r = decode('passes', bytes(batch));
    expect(r.ok ? 'OK' : r.error.code).toBe('MQTT_PAYLOAD_INVALID');
    expect(r.ok ? '' : r.error.message).toContain('/passes/1/seq');
  });

  it('refuses a pass seq above 2^53 - 1, which JSON would round silently', () => {
    const text = new TextDecoder().decode(bytes(VALID_MESSAGES.passes)).replace('"seq":1202', '"seq":9007199254740993');
    const r = decode('passes', new TextEncoder().encode(text));
    expect(r.ok ? 'OK' : r.error.code).toBe('MQTT_PAYLOAD_INVALID');
    expect(r.ok ? '' : r.error.message).toContain('/passes/1/seq');
    const max = clone(VALID_MESSAGES.passes);
    (max.passes[1] as { seq: number }).seq = Number.MAX_SAFE_INTEGER;
    expect(decode('passes', bytes(max)).ok).toBe(true);
  });

  it('refuses an empty pass batch and one over the batch limit', () => {
    expect(codeOf('passes', bytes({ ...VALID_MESSAGES.passes, passes: [] }))).toBe('MQTT_PAYLOAD_INVALID');
    const one = VALID_MESSAGES.passes.passes[0] as MessageOf<'passes'>['passes'][number];
    const many = Array.from({ length: 501 }, (_, i) => ({ ...one, seq: i + 1 }));
    expect(codeOf('passes', bytes({ ...VALID_MESSAGES.passes, passes: many }))).toBe('MQTT_PAYLOAD_INVALID');
  });

  it('refuses a command that expires before it was issued, and an unknown command kind', () => {
    const c = VALID_MESSAGES.command;
    expect(codeOf('command', bytes({ ...c, expiresAt: c.issuedAt - 1 }))).toBe('MQTT_PAYLOAD_INVALID');
    expect(codeOf('command', bytes({ ...c, kind: 'rm-rf', args: {} }))).toBe('MQTT_PAYLOAD_INVALID');
    expect(codeOf('command', bytes({ ...c, args: { laneId: 'entry-1', direction: 'sideways', reason: 'x' } }))).toBe('MQTT_PAYLOAD_INVALID');
  });

  it('refuses a rights delta that does not move forward, and a snapshot chunk out of range', () => {
    const d = VALID_MESSAGES.rights as MessageOf<'rights'> & { kind: 'delta' };
    expect(codeOf('rights', bytes({ ...d, version: d.baseVersion }))).toBe('MQTT_PAYLOAD_INVALID');
    const snapshot = { v: 1, kind: 'snapshot', clubId: 'club-lyon', version: 5, chunk: 2, chunks: 2, generatedAt: 0, data: d.upserts };
    expect(codeOf('rights', bytes(snapshot))).toBe('MQTT_PAYLOAD_INVALID');
    expect(codeOf('rights', bytes({ ...snapshot, chunk: 1 }))).toBe('OK');
  });

  it('refuses a pass ack whose range is reversed', () => {
    expect(codeOf('passAck', bytes({ ...VALID_MESSAGES.passAck, firstSeq: 10, lastSeq: 9 }))).toBe('MQTT_PAYLOAD_INVALID');
  });

  it('refuses a pass whose reason is not in the reason catalog', () => {
    const batch = clone(VALID_MESSAGES.passes);
    (batch.passes[0] as { reason: string }).reason = 'because';
    expect(codeOf('passes', bytes(batch))).toBe('MQTT_PAYLOAD_INVALID');
  });

  it('refuses a pass explanation whose envelope breaks the contract, and reads unknown facts of a newer box', () => {
    const withExplanation = (e: unknown) => {
      const batch = clone(VALID_MESSAGES.passes);
      (batch.passes[1] as { explanation: unknown }).explanation = e;
      return bytes(batch);
    };
    const e = (VALID_MESSAGES.passes.passes[1] as { explanation: { rules: unknown[] } }).explanation;
    expect(codeOf('passes', withExplanation({ ...e, rules: Array.from({ length: 17 }, () => e.rules[0]) }))).toBe('MQTT_PAYLOAD_INVALID');
    expect(codeOf('passes', withExplanation({ ...e, rules: [{ rule: 'credential', outcome: 'maybe' }] }))).toBe('MQTT_PAYLOAD_INVALID');
    expect(codeOf('passes', withExplanation({ ...e, truncated: 'WHATEVER' }))).toBe('MQTT_PAYLOAD_INVALID');
    expect(codeOf('passes', withExplanation({ ...e, v: 2, rules: [{ rule: 'moon-phase', outcome: 'fail', facts: { phase: 'full' } }] }))).toBe('OK');
    expect(codeOf('passes', withExplanation(null))).toBe('OK');
  });

  it('refuses a pass carrying something that is not a hash as its credential', () => {
    const batch = clone(VALID_MESSAGES.passes);
    (batch.passes[0] as { credential: unknown }).credential = { kind: 'badge', hash: '0012345678 raw' };
    expect(codeOf('passes', bytes(batch))).toBe('MQTT_PAYLOAD_INVALID');
  });
});

describe('encode', () => {
  it('refuses to produce an invalid message, with the contract code', () => {
    const bad = { ...VALID_MESSAGES.command, expiresAt: -5 } as MessageOf<'command'>;
    expect(() => encode('command', bad)).toThrow(/refusing to publish an invalid command/);
  });
});

describe('decodeFromTopic', () => {
  it('takes the message kind and box from the topic', () => {
    const r = decodeFromTopic(topicFor('health', 'club-lyon-1'), bytes(VALID_MESSAGES.health));
    expect(r.ok && r.value.boxId).toBe('club-lyon-1');
    expect(r.ok && r.value.kind).toBe('health');
  });

  it('reports a bad topic before looking at the payload', () => {
    const r = decodeFromTopic('resabox/v1/box/club-lyon-1/teleport', '{}');
    expect(r.ok ? 'OK' : r.error.code).toBe('MQTT_TOPIC_UNKNOWN');
  });
});
