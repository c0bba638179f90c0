import { describe, expect, it } from 'vitest';
import type { DeviceState } from '../device.ts';
import { nextReaderState, type ReaderStateEvent } from './reader-state.ts';

const scenarios: { name: string; events: ReaderStateEvent[]; states: DeviceState[] }[] = [
  { name: 'start, open', events: ['start', 'link-up'], states: ['starting', 'online'] },
  { name: 'start with the device absent, retries, then found', events: ['start', 'link-down', 'link-down', 'link-up'], states: ['starting', 'offline', 'offline', 'online'] },
  { name: 'noise on the line then a good frame', events: ['start', 'link-up', 'error-streak', 'error-streak', 'good-frame'], states: ['starting', 'online', 'degraded', 'degraded', 'online'] },
  { name: 'unplugged while degraded', events: ['start', 'link-up', 'error-streak', 'link-down', 'link-up'], states: ['starting', 'online', 'degraded', 'offline', 'online'] },
  { name: 'stopped from any state', events: ['start', 'stop', 'start', 'link-up', 'stop'], states: ['starting', 'offline', 'starting', 'online', 'offline'] },
  { name: 'frames buffered before a close', events: ['start', 'link-up', 'link-down', 'good-frame', 'error-streak'], states: ['starting', 'online', 'offline', 'offline', 'offline'] },
];

describe('reader state machine', () => {
  for (const s of scenarios) {
    it(s.name, () => {
      let state: DeviceState = 'offline';
      const seen: DeviceState[] = [];
      for (const e of s.events) seen.push((state = nextReaderState(state, e)));
      expect(seen).toEqual(s.states);
    });
  }

  it('throws on a pair the table does not hold (a second link-up is a bug)', () => {
    expect(() => nextReaderState('online', 'link-up')).toThrow(/no transition from "online" on "link-up"/);
  });
});
