import type { Device } from './device.ts';

/**
 * What a reader hands to the lane logic (types only). Every reader kind (OSDP, EM4100,
 * HID keyboard wedge) produces the same events, so a lane does not care which it has.
 */
export type Credential =
  /** `number` is the canonical badge number (protocol/access normalisation), `raw` what the reader sent. */
  | { readonly kind: 'badge'; readonly number: string; readonly raw: string; readonly format: BadgeFormat }
  | { readonly kind: 'pin'; readonly pin: string }
  /** A scanned QR code: the text as read (a signed member token, or a day-pass code). */
  | { readonly kind: 'qr'; readonly payload: string };

export type BadgeFormat = 'em4100' | 'wiegand26' | 'wiegand34' | 'osdp-raw' | 'keyboard-wedge';

export interface CredentialPresented {
  readonly readerId: string;
  readonly credential: Credential;
  /** Clock.monotonic() when the last byte of the reader frame arrived (lane latency starts here). */
  readonly at: number;
}

/** Feedback the lane gives the person at the reader. Readers without LED/buzzer ignore it. */
export type ReaderFeedback =
  | { readonly kind: 'granted'; readonly text?: string }
  | { readonly kind: 'denied'; readonly text?: string }
  | { readonly kind: 'idle' }
  | { readonly kind: 'attention'; readonly text?: string };

export interface Reader extends Device {
  readonly kind: 'reader';
  onCredential(listener: (event: CredentialPresented) => void): () => void;
  /**
   * The first bytes of a frame arrived and the rest is still on the wire (a credential may
   * follow within one frame time). Optional: readers that cannot tell ignore it.
   */
  onFrameStart?(listener: () => void): () => void;
  /**
   * Resolves once the reader took the signal (or at once where the reader has no feedback).
   * Rejects with a coded error when the signal could not be given (e.g. the reader is offline).
   */
  feedback(signal: ReaderFeedback): Promise<void>;
}
