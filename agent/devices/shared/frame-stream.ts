import type { DecodeStep } from '../../../protocol/core/result.ts';

export type FrameStreamOutput<F, C extends string> = { readonly kind: 'frame'; readonly frame: F } | { readonly kind: 'bad'; readonly code: C; readonly message: string };

/**
 * Runs a pure streaming decoder over the chunks a transport delivers: buffers the rest of an
 * incomplete frame and drops what the decoder says to skip. Chunk boundaries mean nothing.
 */
export class FrameStream<F, C extends string> {
  private buffer: Uint8Array = new Uint8Array(0);

  constructor(private readonly decode: (buf: Uint8Array) => DecodeStep<F, C>) {}

  push(chunk: Uint8Array): FrameStreamOutput<F, C>[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    let buf = joined;
    const out: FrameStreamOutput<F, C>[] = [];
    for (;;) {
      const step = this.decode(buf);
      if (step.kind === 'need-more') break;
      // The codecs guarantee progress; the clamp keeps a faulty one from looping forever.
      const drop = Math.min(buf.length, Math.max(1, step.kind === 'frame' ? step.consumed : step.skip));
      out.push(step.kind === 'frame' ? { kind: 'frame', frame: step.frame } : { kind: 'bad', code: step.code, message: step.message });
      buf = buf.subarray(drop);
    }
    this.buffer = buf;
    return out;
  }

  /** Bytes held back, waiting for the rest of a frame. */
  get buffered(): number {
    return this.buffer.length;
  }

  /** Forgets a partial frame (the link was reopened). */
  reset(): void {
    this.buffer = new Uint8Array(0);
  }
}
