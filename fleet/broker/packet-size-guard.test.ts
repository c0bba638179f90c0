import { describe, expect, it } from 'vitest';
import { PacketSizeGuard } from './packet-size-guard.ts';

function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

/** A QoS 0 PUBLISH as MQTT 3.1.1 frames it: 0x30, remaining length, topic, payload. */
function publish(payloadBytes: number): Buffer {
  const topic = Buffer.from('resabox/v1/box/box-a/health');
  const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, Buffer.alloc(payloadBytes, 1)]);
  return Buffer.concat([Buffer.from([0x30, ...varint(body.length)]), body]);
}

const PINGREQ = Buffer.from([0xc0, 0x00]);

async function feed(guard: PacketSizeGuard, bytes: Buffer, chunk: number): Promise<{ out: Buffer; error: Error | null }> {
  const parts: Buffer[] = [];
  guard.on('data', (b: Buffer) => parts.push(b));
  const error = await new Promise<Error | null>((resolve) => {
    guard.on('error', resolve);
    guard.on('finish', () => resolve(null));
    for (let i = 0; i < bytes.length; i += chunk) guard.write(bytes.subarray(i, i + chunk));
    guard.end();
  });
  return { out: Buffer.concat(parts), error };
}

describe('PacketSizeGuard', () => {
  it.each([1, 2, 3, 7, 1000])('passes packets under the limit through unchanged, fed %i bytes at a time', async (chunk) => {
    const stream = Buffer.concat([publish(10), PINGREQ, publish(200), publish(1000)]);
    const { out, error } = await feed(new PacketSizeGuard(2000, () => undefined), stream, chunk);
    expect(error).toBeNull();
    expect(out.equals(stream)).toBe(true);
  });

  it.each([1, 2, 5])('cuts a packet announcing more than the limit from its header, fed %i bytes at a time', async (chunk) => {
    let announced = 0;
    const guard = new PacketSizeGuard(1000, (n) => (announced = n));
    const { error } = await feed(guard, Buffer.concat([publish(10), publish(5000)]), chunk);
    expect(error).toMatchObject({ code: 'BROKER_PACKET_TOO_LARGE' });
    expect(announced).toBeGreaterThan(5000);
  });
});
