import { describe, expect, it } from 'vitest';
import { boxMayPublish, boxMaySubscribe } from './acl.ts';

const own = (s: string) => `resabox/v1/box/box-a/${s}`;
const other = (s: string) => `resabox/v1/box/box-b/${s}`;

describe('box ACL', () => {
  it.each([
    ['own state', own('state'), true],
    ['own passes', own('passes'), true],
    ['own commands/result', own('commands/result'), true],
    ['own config/reported', own('config/reported'), true],
    ['own passes/ack (fleet->box)', own('passes/ack'), false],
    ['own commands (fleet->box)', own('commands'), false],
    ['own unknown suffix', own('whatever'), false],
    ['other box state', other('state'), false],
    ['prefix trick', 'resabox/v1/box/box-a-evil/state', false],
    ['outside the tree', 'other/state', false],
  ])('publish %s', (_name, topic, allowed) => {
    expect(boxMayPublish('box-a', topic)).toBe(allowed);
  });

  it.each([
    ['own passes/ack', own('passes/ack'), true],
    ['own commands', own('commands'), true],
    ['own rights', own('rights'), true],
    ['own update/job', own('update/job'), true],
    ['own config/desired', own('config/desired'), true],
    ['own state (box->fleet)', own('state'), false],
    ['other box commands', other('commands'), false],
    ['everything', '#', false],
    ['every box', 'resabox/v1/box/+/commands', false],
    ['own subtree wildcard', own('#'), false],
    ['own single-level wildcard', own('+'), false],
    ['$SYS', '$SYS/#', false],
  ])('subscribe %s', (_name, filter, allowed) => {
    expect(boxMaySubscribe('box-a', filter)).toBe(allowed);
  });
});

describe('box ACL against the contract', () => {
  it('covers exactly the contract directions', async () => {
    const { TOPICS, TOPIC_KINDS, topicFor } = await import('../../protocol/mqtt/index.ts');
    for (const k of TOPIC_KINDS) {
      expect(boxMayPublish('box-a', topicFor(k, 'box-a'))).toBe(TOPICS[k].direction === 'up');
      expect(boxMaySubscribe('box-a', topicFor(k, 'box-a'))).toBe(TOPICS[k].direction === 'down');
      expect(boxMayPublish('box-a', topicFor(k, 'box-b'))).toBe(false);
      expect(boxMaySubscribe('box-a', topicFor(k, 'box-b'))).toBe(false);
    }
  });
});
