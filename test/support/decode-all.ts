import type { DecodeStep } from '../../protocol/core/result.ts';

export interface DecodeOutcome<F, C extends string> {
  frames: F[];
  errors: C[];
  /** Bytes still buffered, waiting for more. */
  pending: number;
}

/**
 * Feeds `chunks` one after the other into a streaming decode loop, the way a driver does:
 * used by codec tests (split-chunk and fuzz tests). Throws if a step makes no progress,
 * so a decoder that would hang a driver fails the test instead.
 */
export function decodeAll<F, C extends string>(decode: (buf: Uint8Array) => DecodeStep<F, C>, chunks: Uint8Array[]): DecodeOutcome<F, C> {
  const out: DecodeOutcome<F, C> = { frames: [], errors: [], pending: 0 };
  let buf: Uint8Array = new Uint8Array(0);
  for (const chunk of chunks) {
    const joined = new Uint8Array(buf.length + chunk.length);
    joined.set(buf);
    joined.set(chunk, buf.length);
    buf = joined;
    for (;;) {
      const step = decode(buf);
      if (step.kind === 'need-more') break;
      const drop = step.kind === 'frame' ? step.consumed : step.skip;
      if (drop <= 0 || drop > buf.length) throw new Error(`decoder made no valid progress (${step.kind}, drop ${drop} of ${buf.length})`);
      if (step.kind === 'frame') out.frames.push(step.frame);
      else out.errors.push(step.code);
      buf = buf.subarray(drop);
    }
  }
  out.pending = buf.length;
  return out;
}

/** Every way to split `bytes` in two, plus byte-by-byte. */
export function splits(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let i = 1; i < bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  out.push([...bytes].map((b) => Uint8Array.of(b)));
  return out;
}
