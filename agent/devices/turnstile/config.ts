import { TurnstileError } from './errors.ts';

export type UnlockMode = 'pulse' | 'potential';

/** Which relay of the I/O module drives which controller input (0-based coil addresses). */
export interface CoilMap {
  readonly unlockIn: number;
  readonly unlockOut: number;
}

/** Which module input reads which controller output (0-based discrete input addresses). */
export interface InputMap {
  readonly passIn: number;
  readonly passOut: number;
  /** The normally-closed fire-alarm loop: 1 = closed (normal), 0 = open (alarm, or a broken wire). */
  readonly fireLoopClosed: number;
  readonly ready: number;
  readonly alarm: number;
}

export interface TurnstileConfig {
  readonly id: string;
  /** Modbus address of the I/O module, 1-247. */
  readonly unit: number;
  /** Pulse: a short pulse opens one passage for the controller's window. Potential: open while the relay is held. */
  readonly mode: UnlockMode;
  /** Pulse mode: relay on-time; controllers need at least 100 ms. */
  readonly pulseMs: number;
  /**
   * How long the driver waits for the PASS pulse after the unlock was acknowledged; potential
   * mode holds the relay this long at most. Pulse mode: set it a little longer than the
   * controller's own window (its clock starts later, after the debounce, and the PASS pulse
   * is seen one poll late), or a passage at the end of the window reads as forced.
   */
  readonly windowMs: number;
  /** Pause between two input reads. A PASS pulse (~250 ms) must span at least two reads, see docs/turnstile.md. */
  readonly pollIntervalMs: number;
  readonly coils: CoilMap;
  readonly inputs: InputMap;
  readonly request: { readonly timeoutMs: number; readonly retries: number };
  /** Consecutive failed reads after which the lane is out of service. */
  readonly offlineAfterFailures: number;
  /** While out of service: how often to try the module (and reopen the link) again. */
  readonly probeIntervalMs: number;
  /** How often the relays are read back and compared with what the driver wants. */
  readonly watchdogIntervalMs: number;
  /** A relay the driver holds on longer than this is released (a stuck passage is a bug; a stuck unlock is a hole). */
  readonly maxRelayOnMs: number;
  /** During a fire alarm, also hold both unlock relays on (second path besides the controller's own fire input). */
  readonly fireAlarmHoldsUnlock: boolean;
}

export const DEFAULT_COILS: CoilMap = { unlockIn: 0, unlockOut: 1 };
export const DEFAULT_INPUTS: InputMap = { passIn: 0, passOut: 1, fireLoopClosed: 2, ready: 3, alarm: 4 };

export function turnstileConfig(partial: Partial<TurnstileConfig> & { readonly id: string }): TurnstileConfig {
  const windowMs = partial.windowMs ?? 5500;
  const c: TurnstileConfig = {
    unit: 1,
    mode: 'pulse',
    pulseMs: 200,
    windowMs,
    pollIntervalMs: 40,
    coils: DEFAULT_COILS,
    inputs: DEFAULT_INPUTS,
    request: { timeoutMs: 80, retries: 1 },
    offlineAfterFailures: 3,
    probeIntervalMs: 1000,
    watchdogIntervalMs: 500,
    maxRelayOnMs: windowMs + 1000,
    fireAlarmHoldsUnlock: true,
    ...partial,
  };
  const fail = (why: string): never => {
    throw new TurnstileError('TURNSTILE_BAD_CONFIG', `turnstile ${c.id}: ${why}`);
  };
  const int = (n: number, min: number, max: number): boolean => Number.isInteger(n) && n >= min && n <= max;
  if (!int(c.unit, 1, 247)) fail(`unit ${c.unit} is outside 1-247`);
  if (c.mode !== 'pulse' && c.mode !== 'potential') fail(`mode ${String(c.mode)} is neither pulse nor potential`);
  if (!int(c.pulseMs, 100, 2000)) fail(`pulseMs ${c.pulseMs} is outside 100-2000 (controllers need at least 100 ms)`);
  if (!int(c.windowMs, 500, 60000)) fail(`windowMs ${c.windowMs} is outside 500-60000`);
  if (c.mode === 'pulse' && c.pulseMs >= c.windowMs) fail('pulseMs must be shorter than windowMs');
  if (!int(c.pollIntervalMs, 5, 200)) fail(`pollIntervalMs ${c.pollIntervalMs} is outside 5-200 (a 250 ms PASS pulse would be missed)`);
  if (!int(c.request.timeoutMs, 10, 2000) || !int(c.request.retries, 0, 5)) fail('request timeoutMs must be 10-2000 and retries 0-5');
  if (!int(c.offlineAfterFailures, 1, 100) || !int(c.probeIntervalMs, 50, 60000) || !int(c.watchdogIntervalMs, 50, 60000)) fail('offlineAfterFailures, probeIntervalMs or watchdogIntervalMs out of range');
  if (c.maxRelayOnMs < (c.mode === 'pulse' ? c.pulseMs : c.windowMs)) fail('maxRelayOnMs is shorter than the relay is meant to be on');
  const coils = [c.coils.unlockIn, c.coils.unlockOut];
  const inputs = [c.inputs.passIn, c.inputs.passOut, c.inputs.fireLoopClosed, c.inputs.ready, c.inputs.alarm];
  if (!coils.every((a) => int(a, 0, 65535)) || new Set(coils).size !== coils.length) fail('coil addresses must be distinct 0-65535');
  if (!inputs.every((a) => int(a, 0, 65535)) || new Set(inputs).size !== inputs.length) fail('input addresses must be distinct 0-65535');
  if (Math.max(...inputs) - Math.min(...inputs) >= 2000) fail('inputs must lie within 2000 addresses (one read)');
  return c;
}
