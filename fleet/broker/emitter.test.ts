import mqemitter from 'mqemitter';
import { describe, expect, it } from 'vitest';
import { createBrokerEmitter } from './emitter.ts';

/** Fills the emitter's queue behind slow deliveries, then lets them end at once. */
function storm(mq: mqemitter.MQEmitter, messages: number): Promise<{ seen: number[]; error: unknown }> {
  const seen: number[] = [];
  const held: (() => void)[] = [];
  // One slow subscriber holds the slots; every other message has no subscriber (or a sync one).
  mq.on('slow', (_m, done) => void held.push(done));
  mq.on('fast', (m, done) => {
    seen.push(m.n as number);
    done();
  });
  return new Promise((resolve) => {
    setImmediate(() => {
      for (let i = 0; i < 2; i++) mq.emit({ topic: 'slow' });
      for (let n = 0; n < messages; n++) mq.emit({ topic: n % 2 ? 'fast' : 'nobody', n });
      let error: unknown;
      try {
        for (const done of held.splice(0)) done();
      } catch (e) {
        error = e;
      }
      const wait = () => (seen.length === messages / 2 || error ? resolve({ seen, error }) : setImmediate(wait));
      wait();
    });
  });
}

describe('createBrokerEmitter', () => {
  it('a bare mqemitter overflows the stack when a long queue drains (the failure guarded against)', async () => {
    const { error } = await storm(mqemitter({ concurrency: 2 }), 12_000);
    expect(error).toBeInstanceOf(RangeError);
  });

  it('drains a queue of 12,000 messages without overflowing, each subscriber getting them in order', async () => {
    const { seen, error } = await storm(createBrokerEmitter(2), 12_000);
    expect(error).toBeUndefined();
    expect(seen).toHaveLength(6_000);
    expect(seen).toEqual(Array.from({ length: 6_000 }, (_, i) => 2 * i + 1));
  });
});
