import { concatBytes, type DecodeStep } from '../core/index.ts';
import type { ModbusCodecErrorCode } from './types.ts';

export interface StreamRejection {
  readonly code: ModbusCodecErrorCode;
  readonly message: string;
  readonly skipped: number;
}

/** No RTU frame is longer than 256 bytes; anything beyond a few frames' worth is stale noise. */
const MAX_BUFFERED = 1024;

/**
 * Accumulates chunks and runs a decoder step until it needs more bytes. Pure: the caller
 * owns the I/O. Chunk boundaries mean nothing (a frame may arrive split at any byte).
 */
export class RtuStream<F> {
  private buffer: Uint8Array = new Uint8Array(0);

  constructor(private readonly decode: (buf: Uint8Array) => DecodeStep<F, ModbusCodecErrorCode>) {}

  push(chunk: Uint8Array): { frames: F[]; rejected: StreamRejection[] } {
    this.buffer = this.buffer.length === 0 ? Uint8Array.from(chunk) : concatBytes(this.buffer, chunk);
    const frames: F[] = [];
    const rejected: StreamRejection[] = [];
    for (;;) {
      const s = this.decode(this.buffer);
      if (s.kind === 'need-more') {
        const later = this.completeFrameAfterHead();
        if (later === undefined) break;
        rejected.push({ code: 'MODBUS_BAD_LENGTH', message: `${later} bytes announced a frame that a later complete frame overtook`, skipped: later });
        this.buffer = this.buffer.subarray(later);
        continue;
      }
      if (s.kind === 'frame') {
        frames.push(s.frame);
        this.buffer = this.buffer.subarray(s.consumed);
      } else {
        const skip = Math.max(1, Math.min(s.skip, this.buffer.length));
        rejected.push({ code: s.code, message: s.message, skipped: skip });
        this.buffer = this.buffer.subarray(skip);
      }
    }
    if (this.buffer.length > MAX_BUFFERED) {
      rejected.push({ code: 'MODBUS_BAD_LENGTH', message: `more than ${MAX_BUFFERED} bytes without a frame`, skipped: this.buffer.length });
      this.buffer = new Uint8Array(0);
    }
    return { frames, rejected };
  }

  /**
   * Noise before a frame can read as a header announcing a long frame (up to 255 bytes),
   * which would hold back the real frame behind it until the master times out. If a
   * complete frame with a valid CRC starts further on, the head was noise: return its offset.
   */
  private completeFrameAfterHead(): number | undefined {
    for (let at = 1; at + 4 <= this.buffer.length; at++) {
      if (this.decode(this.buffer.subarray(at)).kind === 'frame') return at;
    }
    return undefined;
  }

  /** Drops what is buffered: a master does it before each request, since older bytes cannot answer it. */
  clear(): number {
    const n = this.buffer.length;
    this.buffer = new Uint8Array(0);
    return n;
  }

  get buffered(): number {
    return this.buffer.length;
  }
}
