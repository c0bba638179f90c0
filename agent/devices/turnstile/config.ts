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

/**
 * The I/O module's communication watchdog: the module drops its outputs to their safe state
 * (off) when no valid request arrives for a set time, set in a holding register. Examples
 * (HARDWARE.md): Wiren Board relay modules, register 8 in seconds; iSMA-B-MINI/MIX, 40141
 * (register 140) in seconds; Westermo RM-115S, register 204 in units of 32 ms.
 */
export interface ModuleWatchdog {
  /** Holding register (0-based) that holds the timeout. */
  readonly register: number;
  /** What one unit of the register is worth, in ms (1000 for seconds, 32 for Westermo). */
  readonly unitMs: number;
  /** The timeout wanted; the register gets ceil(timeoutMs / unitMs). */
  readonly timeoutMs: number;
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
  /**
   * The module's communication watchdog, armed at start and checked every
   * WATCHDOG_CHECK_MS. Absent: the module has none. Potential mode needs it: a relay held
   * on by an agent that died would leave the lane open.
   */
  readonly moduleWatchdog?: ModuleWatchdog;
}

export const DEFAULT_POLL_INTERVAL_MS = 40;

/** The shortest module watchdog timeout: the polls feed it, so it must outlast a few of them, or a slow turn of the event loop drops a relay mid-passage. */
export function watchdogFloorMs(pollIntervalMs: number): number {
  return Math.max(3 * pollIntervalMs, 300);
}

/** The register value that sets `w` (the timeout rounded up to the register's unit). */
export function watchdogRegisterValue(w: ModuleWatchdog): number {
  return Math.ceil(w.timeoutMs / w.unitMs);
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
    pollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
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
  const w = c.moduleWatchdog;
  if (c.mode === 'potential' && !w) {
    fail('potential mode holds the unlock relay on, so it needs the I/O module\'s communication watchdog (moduleWatchdog): without it a dead agent leaves the lane open. Use pulse mode through a hardware pulse timer on a module without one (docs/turnstile.md)');
  }
  if (w) {
    if (!int(w.register, 0, 65535) || !int(w.unitMs, 1, 60000)) fail('moduleWatchdog register must be 0-65535 and unitMs 1-60000');
    const floor = watchdogFloorMs(c.pollIntervalMs);
    if (!Number.isInteger(w.timeoutMs) || w.timeoutMs < floor) fail(`moduleWatchdog timeoutMs ${w.timeoutMs} is below ${floor} ms (3 poll periods, at least 300 ms)`);
    if (watchdogRegisterValue(w) > 0xffff) fail(`moduleWatchdog timeoutMs ${w.timeoutMs} does not fit the register in units of ${w.unitMs} ms`);
  }
  return c;
}
