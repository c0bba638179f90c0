import { describe, expect, it } from 'vitest';
import { SerialHandler, topicMatches, type BusMessage } from './bus.ts';

describe('topicMatches', () => {
  it.each([
    ['resabox/v1/box/+/passes', 'resabox/v1/box/a/passes', true],
    ['resabox/v1/box/+/passes', 'resabox/v1/box/a/passes/ack', false],
    ['resabox/v1/box/+/rights/status', 'resabox/v1/box/a/rights/status', true],
    ['resabox/v1/#', 'resabox/v1/box/a/state', true],
    ['resabox/v1/#', 'resabox/v1', true],
    ['#', '$SYS/broker/x', false],
    ['+/x', '$SYS/x', false],
    ['a/b', 'a/b', true],
    ['a/b', 'a/b/c', false],
    ['a/+', 'a/', true],
  ])('%s vs %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe('SerialHandler', () => {
  it('handles messages one at a time in order and survives a failing handler', async () => {
    const seen: string[] = [];
    const errors: string[] = [];
    const serial = new SerialHandler(
      async (m) => {
        const text = m.payload.toString();
        if (text === 'boom') throw new Error('boom');
        await new Promise((r) => setImmediate(r));
        seen.push(text);
      },
      (e) => errors.push((e as Error).message),
    );
    const msg = (s: string): BusMessage => ({ topic: 't', payload: Buffer.from(s), retain: false });
    void serial.push(msg('1'));
    void serial.push(msg('boom'));
    await serial.push(msg('2'));
    expect(seen).toEqual(['1', '2']);
    expect(errors).toEqual(['boom']);
  });
});

describe('SerialHandler bound', () => {
  it('drops messages beyond its bound while the handler is behind, then accepts again', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const handled: string[] = [];
    const dropped: string[] = [];
    const serial = new SerialHandler(
      async (m) => {
        await gate;
        handled.push(m.payload.toString());
      },
      () => undefined,
      2,
      (m) => dropped.push(m.payload.toString()),
    );
    const msg = (s: string): BusMessage => ({ topic: 't', payload: Buffer.from(s), retain: false });
    void serial.push(msg('1'));
    void serial.push(msg('2'));
    void serial.push(msg('3'));
    expect(serial.pending).toBe(2);
    release();
    await serial.push(msg('4')).catch(() => undefined);
    await new Promise((r) => setImmediate(r));
    expect(dropped).toEqual(['3', '4']);
    await serial.push(msg('5'));
    expect(handled).toEqual(['1', '2', '5']);
    expect(serial.pending).toBe(0);
  });
});
