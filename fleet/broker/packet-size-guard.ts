import { Transform, type TransformCallback } from 'node:stream';

/**
 * Cuts a connection whose next MQTT packet announces a remaining length over `maxBytes`,
 * before the packet is buffered: the MQTT parser would otherwise accept up to 256 MB per
 * packet from any peer, authenticated or not. It only reads the fixed header (type byte +
 * 1..4 byte varint length) and counts the body bytes through; it never alters data.
 */
export class PacketSizeGuard extends Transform {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private bodyLeft = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onOversize: (announced: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const take = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= take;
        i += take;
        if (this.bodyLeft === 0) this.state = 'type';
      } else if (this.state === 'type') {
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        i++;
      } else {
        const byte = chunk[i++] as number;
        this.length += (byte & 0x7f) * this.multiplier;
        this.multiplier *= 128;
        if (this.length > this.maxBytes) {
          this.onOversize(this.length);
          done(Object.assign(new Error(`MQTT packet of ${this.length} bytes exceeds the ${this.maxBytes}-byte limit`), { code: 'BROKER_PACKET_TOO_LARGE' }));
          return;
        }
        if ((byte & 0x80) === 0) {
          this.bodyLeft = this.length;
          this.state = this.length === 0 ? 'type' : 'body';
        }
      }
    }
    done(null, chunk);
  }
}
