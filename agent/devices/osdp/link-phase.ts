/**
 * The per-reader link state machine of the OSDP control panel: a closed set of phases
 * and events and one transition table. A (phase, event) pair missing from the table is
 * a bug and throws.
 *
 *   identify -> capabilities -> [challenge -> crypt -> [install-key -> challenge -> crypt]] -> online
 *   any phase --offline--> offline --ok (a probe answered)--> capabilities
 *   a broken secure channel restarts from identify (sequence 0 resets the reader's channel)
 *   sc-failed (set-up refused) and sc-required (clear text refused) wait, then restart from identify
 */
export type LinkPhase = 'identify' | 'capabilities' | 'challenge' | 'crypt' | 'install-key' | 'online' | 'offline' | 'sc-failed' | 'sc-required';

export type LinkEvent =
  /** The reader gave the expected answer. */
  | 'ok'
  /** The reader answered, but refused (NAK) or answered something else. */
  | 'refused'
  /** The secure channel failed: bad MAC, bad cryptogram, or the reader lost its session. */
  | 'sc-broken'
  /** Too many consecutive exchanges without a valid answer. */
  | 'offline'
  /** The reader refuses clear-text commands (NAK 6) and no key is configured for it. */
  | 'sc-required'
  /** The reader does not hold the key of the challenge, but may hold another configured one: challenge again with it. */
  | 'retry-key'
  /** The back-off after a failed secure channel set-up, or a refusal of clear text, is over. */
  | 'retry-due';

/** Where the path forks on configuration: secure channel wanted, key still to install. */
export interface LinkChoices {
  readonly secure: boolean;
  readonly mustInstallKey: boolean;
}

type Target = LinkPhase | ((c: LinkChoices) => LinkPhase);

const afterCapabilities = (c: LinkChoices): LinkPhase => (c.secure ? 'challenge' : 'online');
const afterCrypt = (c: LinkChoices): LinkPhase => (c.mustInstallKey ? 'install-key' : 'online');

const TABLE: Record<LinkPhase, Partial<Record<LinkEvent, Target>>> = {
  identify: { ok: 'capabilities', refused: 'capabilities', 'sc-broken': 'identify', offline: 'offline' },
  capabilities: { ok: afterCapabilities, refused: afterCapabilities, 'sc-broken': 'identify', offline: 'offline' },
  challenge: { ok: 'crypt', refused: 'sc-failed', 'sc-broken': 'sc-failed', 'retry-key': 'challenge', offline: 'offline' },
  crypt: { ok: afterCrypt, refused: 'sc-failed', 'sc-broken': 'sc-failed', offline: 'offline' },
  'install-key': { ok: 'challenge', refused: 'sc-failed', 'sc-broken': 'identify', offline: 'offline' },
  online: { ok: 'online', refused: 'online', 'sc-broken': 'identify', 'sc-required': 'sc-required', offline: 'offline' },
  offline: { ok: 'capabilities', refused: 'capabilities', 'sc-broken': 'identify', offline: 'offline' },
  'sc-failed': { 'retry-due': 'identify', offline: 'offline' },
  'sc-required': { 'retry-due': 'identify', offline: 'offline' },
};

/** Phases in which the reader is left alone until its back-off is over. */
export function isWaiting(phase: LinkPhase): boolean {
  return phase === 'sc-failed' || phase === 'sc-required';
}

export function nextPhase(phase: LinkPhase, event: LinkEvent, choices: LinkChoices): LinkPhase {
  const target = TABLE[phase][event];
  if (target === undefined) throw new Error(`OSDP link: no transition from ${phase} on ${event}`);
  return typeof target === 'function' ? target(choices) : target;
}
