/**
 * Results instead of exceptions for everything that comes off a wire.
 * Decoders in protocol/ never throw on input bytes or payloads; they return one of these.
 */
export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err<E> = { readonly ok: false; readonly error: E };
export type Result<T, E> = Ok<T> | Err<E>;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = <E>(error: E): Err<E> => ({ ok: false, error });

/** A coded error: `code` is stable and documented, `message` is for humans. */
export interface CodedError<C extends string = string> {
  readonly code: C;
  readonly message: string;
  readonly detail?: unknown;
}

/**
 * One step of a streaming frame decoder (house rule 2):
 * - `need-more`: the buffer holds the start of a frame, wait for more bytes;
 * - `frame`: a whole frame, `consumed` bytes may be dropped from the buffer;
 * - `bad`: the bytes at the head are not a valid frame; drop `skip` bytes and retry
 *   (decoders choose `skip` so that they re-sync on the next start byte).
 */
export type DecodeStep<F, C extends string> =
  | { readonly kind: 'need-more' }
  | { readonly kind: 'frame'; readonly frame: F; readonly consumed: number }
  | { readonly kind: 'bad'; readonly code: C; readonly skip: number; readonly message: string };
