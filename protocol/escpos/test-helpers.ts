import type { DecodeStep } from '../core/index.ts';

/**
 * Runs a DecodeStep decoder over a byte stream delivered in `chunks`, the way a driver
 * does: keep the unconsumed tail, append each chunk, step until need-more. Returns the
 * frames and the bad-step codes in order. Throws if a step makes no progress (a hang).
 */
export function runDecoder<F, C extends string>(chunks: readonly Uint8Array[], step: (buf: Uint8Array) => DecodeStep<F, C>): { frames: F[]; errors: C[]; rest: Uint8Array } {
  const frames: F[] = [];
  const errors: C[] = [];
  let buf: Uint8Array = new Uint8Array(0);
  for (const chunk of chunks) {
    const joined = new Uint8Array(buf.length + chunk.length);
    joined.set(buf);
    joined.set(chunk, buf.length);
    buf = joined;
    for (;;) {
      const s = step(buf);
      if (s.kind === 'need-more') break;
      const n = s.kind === 'frame' ? s.consumed : s.skip;
      if (n < 1 || n > buf.length) throw new Error(`decoder made no valid progress (${s.kind}, ${n} of ${buf.length})`);
      if (s.kind === 'frame') frames.push(s.frame);
      else errors.push(s.code);
      buf = buf.slice(n);
    }
  }
  return { frames, errors, rest: buf };
}

/** Every way to split `bytes` in two (for split-chunk tests). */
export function splitsOf(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let i = 0; i <= bytes.length; i++) out.push([bytes.slice(0, i), bytes.slice(i)]);
  return out;
}
