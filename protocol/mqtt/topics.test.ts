import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BOX_ID_PATTERN } from './schemas/common.ts';
import { TOPIC_KINDS, TOPICS, boxSubscriptions, fleetSubscription, parseTopic, topicFor } from './topics.ts';

const boxIdArb = fc.stringMatching(new RegExp(BOX_ID_PATTERN));

describe('topic tree', () => {
  it('round-trips every topic builder through the parser', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TOPIC_KINDS), boxIdArb, (kind, boxId) => {
        const topic = topicFor(kind, boxId);
        expect(topic.startsWith(`resabox/v1/box/${boxId}/`)).toBe(true);
        expect(parseTopic(topic)).toEqual({ ok: true, value: { kind, boxId } });
      }),
      { numRuns: 500 },
    );
  });

  it('gives every kind a distinct suffix', () => {
    const suffixes = TOPIC_KINDS.map((k) => TOPICS[k].suffix);
    expect(new Set(suffixes).size).toBe(suffixes.length);
  });

  it('answers every request on a topic of the opposite direction', () => {
    for (const kind of TOPIC_KINDS) {
      const answer = TOPICS[kind].answeredOn;
      if (answer === null) continue;
      expect(TOPIC_KINDS).toContain(answer);
      expect(TOPICS[answer as keyof typeof TOPICS].direction).not.toBe(TOPICS[kind].direction);
    }
  });

  it('refuses to build a topic for an id that would escape the box subtree', () => {
    for (const bad of ['', 'a', '+', '#', 'a/b', 'Club', 'box 1', '-lead', 'x'.repeat(64)]) expect(() => topicFor('state', bad)).toThrow(/invalid box id/);
  });

  it('parses bad topics into coded errors', () => {
    const cases: [string, string][] = [
      ['resabox/v2/box/b1x/state', 'MQTT_TOPIC_INVALID'],
      ['resabox/v1/box/b1x', 'MQTT_TOPIC_INVALID'],
      ['resabox/v1/box/+/state', 'MQTT_TOPIC_INVALID'],
      ['resabox/v1/box/#', 'MQTT_TOPIC_INVALID'],
      ['resabox/v1/box/b1x/state/extra', 'MQTT_TOPIC_UNKNOWN'],
      ['resabox/v1/box/b1x/passes/ack/', 'MQTT_TOPIC_UNKNOWN'],
      ['resabox/v1/box/b1x/', 'MQTT_TOPIC_UNKNOWN'],
    ];
    for (const [topic, code] of cases) {
      const r = parseTopic(topic);
      expect(r.ok ? 'OK' : r.error.code, topic).toBe(code);
    }
  });

  it('never throws on arbitrary topic strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = parseTopic(s);
        if (r.ok) expect(topicFor(r.value.kind, r.value.boxId)).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });

  it('subscribes the fleet with a single-level wildcard and a box only to its own down topics', () => {
    expect(fleetSubscription('passes')).toBe('resabox/v1/box/+/passes');
    const subs = boxSubscriptions('club-lyon-1');
    expect(subs).toContain('resabox/v1/box/club-lyon-1/commands');
    expect(subs).toContain('resabox/v1/box/club-lyon-1/passes/ack');
    expect(subs.every((t) => t.startsWith('resabox/v1/box/club-lyon-1/'))).toBe(true);
    expect(subs).not.toContain('resabox/v1/box/club-lyon-1/health');
  });
});
