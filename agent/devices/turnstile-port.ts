import type { Device } from './device.ts';

/** What the lane logic needs from a turnstile (types only); agent/devices/turnstile implements it. */
export type Direction = 'in' | 'out';

export type PassageOutcome =
  /** The arm turned (PASS output seen): the person went through. `at` is Clock.now(). */
  | { readonly kind: 'passed'; readonly at: number }
  /** Opened, but nobody passed within the window. */
  | { readonly kind: 'not-passed' }
  /** The open was not carried out. */
  | { readonly kind: 'refused'; readonly code: 'FIRE_ALARM' | 'LOCKDOWN' | 'OUT_OF_SERVICE' | 'BUSY'; readonly message: string };

export type TurnstileEvent =
  | { readonly kind: 'forced-passage'; readonly direction: Direction; readonly at: number }
  | { readonly kind: 'fire-alarm'; readonly active: boolean; readonly at: number }
  | { readonly kind: 'out-of-service'; readonly active: boolean; readonly at: number; readonly reason?: string };

export interface Turnstile extends Device {
  readonly kind: 'turnstile';
  /** Opens one passage in `direction` and resolves when it is confirmed, timed out or refused. */
  open(direction: Direction): Promise<PassageOutcome>;
  /** Lock-down: every open is refused until lifted (fire alarm still frees the turnstile). */
  setLockdown(on: boolean): void;
  /**
   * A reader frame is arriving, so an open may follow within `ms`: do not start a status
   * poll before then (bounded by the driver, so noise cannot starve the inputs). On a half
   * duplex bus this lets the unlock find the line free instead of waiting for a poll's reply.
   * Opens and other commands are never held. Optional: drivers without polls ignore it.
   */
  holdPolls?(ms: number): void;
  onEvent(listener: (event: TurnstileEvent) => void): () => void;
}
