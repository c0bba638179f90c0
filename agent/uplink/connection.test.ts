import { EventEmitter } from 'node:events';
import type { IClientOptions, MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { FleetConnection } from './connection.ts';

/** A stand-in for an mqtt.js client: the test emits connect / close on it. */
class FakeClient extends EventEmitter {
  ended = false;
  end(): this {
    this.ended = true;
    return this;
  }
  endAsync(): Promise<void> {
    this.ended = true;
    return Promise.resolve();
  }
}

function setup(random = 0.5) {
  const clock = new ManualClock();
  const clients: { client: FakeClient; options: IClientOptions }[] = [];
  const log: string[] = [];
  const connection = new FleetConnection(
    {
      url: 'mqtt://fleet.test:1883',
      boxId: 'box-1',
      password: 'secret',
      clock,
      logger: silentLogger,
      random: () => random,
      backoffBaseMs: 1000,
      backoffCapMs: 8000,
      stableMs: 60_000,
      will: { topic: 'resabox/v1/box/box-1/state', payload: new TextEncoder().encode('{}') },
      connect: (_url, options) => {
        const client = new FakeClient();
        clients.push({ client, options });
        return client as unknown as MqttClient;
      },
    },
    { onConnected: (s) => log.push(`up ${s}`), onDisconnected: () => log.push('down'), onMessage: () => undefined },
  );
  return { clock, clients, log, connection };
}

describe('FleetConnection', () => {
  it('connects as the box with a persistent session, its last will, and no mqtt.js reconnect', () => {
    const t = setup();
    t.connection.start();
    expect(t.clients[0]?.options).toMatchObject({ protocolVersion: 4, clientId: 'box-1', username: 'box-1', password: 'secret', clean: false, reconnectPeriod: 0, will: { topic: 'resabox/v1/box/box-1/state', qos: 1, retain: true } });
    t.clients[0]!.client.emit('connect', { sessionPresent: true });
    expect(t.connection.connected).toBe(true);
    expect(t.log).toEqual(['up true']);
  });

  it('drives reconnects itself with a widening full-jitter delay, reset after a stable connection', () => {
    const t = setup(0.5);
    t.connection.start();
    t.clients[0]!.client.emit('close');
    expect(t.clients[0]!.client.ended).toBe(true);
    t.clock.advance(499);
    expect(t.clients).toHaveLength(1);
    t.clock.advance(1); // 0.5 * 1000
    expect(t.clients).toHaveLength(2);
    t.clients[1]!.client.emit('close');
    t.clock.advance(999);
    expect(t.clients).toHaveLength(2);
    t.clock.advance(1); // 0.5 * 2000
    expect(t.clients).toHaveLength(3);
    t.clients[2]!.client.emit('connect', { sessionPresent: false });
    t.clock.advance(60_000);
    t.clients[2]!.client.emit('close');
    expect(t.log).toEqual(['up false', 'down']);
    t.clock.advance(500); // back to the first window
    expect(t.clients).toHaveLength(4);
  });

  it('after a busy refusal (CONNACK 3) retries within the short busy window, even after an outage widened the loss backoff', () => {
    const t = setup(0.999);
    t.connection.start();
    for (let i = 0; i < 4; i++) {
      t.clients[i]!.client.emit('close'); // fleet unreachable: windows of 1, 2, 4, 8 s
      t.clock.advance(8000);
    }
    expect(t.clients).toHaveLength(5);
    const refused = t.clients[4]!.client;
    refused.emit('error', Object.assign(new Error('Connection refused: Server unavailable'), { code: 3 }));
    refused.emit('close');
    t.clock.advance(998);
    expect(t.clients).toHaveLength(5);
    t.clock.advance(1); // 0.999 * the first busy window (1 s), not 0.999 * the 8 s reached
    expect(t.clients).toHaveLength(6);
    // A network failure next starts the loss backoff from its first window again: the fleet was up.
    t.clients[5]!.client.emit('close');
    t.clock.advance(999);
    expect(t.clients).toHaveLength(7);
  });

  it('widens the busy window on busy refusals in a row', () => {
    const t = setup(0.999);
    t.connection.start();
    const busyClose = (i: number) => {
      t.clients[i]!.client.emit('error', Object.assign(new Error('Connection refused: Server unavailable'), { code: 3 }));
      t.clients[i]!.client.emit('close');
    };
    busyClose(0);
    t.clock.advance(999); // 1 s window
    busyClose(1);
    t.clock.advance(1997);
    expect(t.clients).toHaveLength(2);
    t.clock.advance(1); // 2 s window
    expect(t.clients).toHaveLength(3);
  });

  it('refuses to publish while offline and stops retrying once stopped', async () => {
    const t = setup();
    t.connection.start();
    expect(t.connection.publish('t', new Uint8Array(), 1, false)).toBe(false);
    t.clients[0]!.client.emit('close');
    await t.connection.stop();
    t.clock.advance(100_000);
    expect(t.clients).toHaveLength(1);
  });
});
