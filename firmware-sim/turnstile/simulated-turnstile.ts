import type { Clock, TimerHandle } from '../../platform/clock.ts';
import type { ModbusIoModule } from './io-module.ts';

export type SimDirection = 'in' | 'out';
export type PersonBehaviour = { readonly kind: 'pass'; readonly afterMs: number } | { readonly kind: 'walk-away' };
export type SimPassageKind = 'granted' | 'tailgate' | 'forced' | 'free';

export interface SimulatedTurnstileOptions {
  readonly clock: Clock;
  readonly mode: 'pulse' | 'potential';
  /** Pulse mode: how long one pulse keeps the passage open if nobody passes. */
  readonly windowMs: number;
  /** Shorter unlock pulses are ignored (contact bounce), as on real controllers. */
  readonly minPulseMs: number;
  /** Length of the PASS output pulse. */
  readonly passPulseMs: number;
  /** Unscripted people pass after a random delay in this range... */
  readonly personDelayMs: readonly [number, number];
  /** ...or walk away with this probability. */
  readonly walkAwayRate: number;
  readonly random: () => number;
  readonly coils: { readonly unlockIn: number; readonly unlockOut: number };
  readonly inputs: { readonly passIn: number; readonly passOut: number; readonly fireLoopClosed: number; readonly ready: number; readonly alarm: number };
}

/** Shortest time PASS stays low between two passages in one direction (a tripod arm turns in about half a second). */
export const PASS_GAP_MS = 300;

/** A small deterministic PRNG (mulberry32) so simulated crowds repeat from a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Side {
  open: boolean;
  grantTimer: TimerHandle | undefined;
  windowTimer: TimerHandle | undefined;
  personTimer: TimerHandle | undefined;
  script: PersonBehaviour[];
  tailgates: number;
  /** Monotonic ms before which a new PASS pulse must wait (pulses never overlap). */
  passFreeAt: number;
}

/**
 * A tripod/optical turnstile controller wired to a Modbus I/O module: it watches the unlock
 * relays, lets simulated people through, and drives PASS, ready, alarm and the fire loop
 * into the module's inputs. Scriptable for tests; random (from a seed) otherwise.
 */
export class SimulatedTurnstile {
  readonly passages: { readonly direction: SimDirection; readonly kind: SimPassageKind; readonly at: number }[] = [];
  private readonly sides: Record<SimDirection, Side>;
  private readonly passListeners = new Set<(direction: SimDirection, kind: SimPassageKind) => void>();
  private readonly timers = new Set<TimerHandle>();
  /** Pulses waiting for a read before they end (pulseInput). */
  private readonly readWaits = new Set<() => void>();
  private fireAlarm = false;
  private readonly detach: () => void;

  constructor(
    readonly module: ModbusIoModule,
    private readonly options: SimulatedTurnstileOptions,
  ) {
    const side = (): Side => ({ open: false, grantTimer: undefined, windowTimer: undefined, personTimer: undefined, script: [], tailgates: 0, passFreeAt: 0 });
    this.sides = { in: side(), out: side() };
    module.setInput(options.inputs.fireLoopClosed, true);
    module.setInput(options.inputs.ready, true);
    module.setInput(options.inputs.alarm, false);
    this.detach = module.onCoilChange((address, on) => {
      if (address === options.coils.unlockIn) this.onUnlock('in', on);
      if (address === options.coils.unlockOut) this.onUnlock('out', on);
    });
  }

  /** The next person at this side passes after `afterMs` once unlocked, or walks away. */
  nextPerson(direction: SimDirection, behaviour: PersonBehaviour): void {
    this.sides[direction].script.push(behaviour);
  }

  /** Someone follows the next granted person through (tailgating): a PASS nobody granted. */
  tailgateNext(direction: SimDirection): void {
    this.sides[direction].tailgates++;
  }

  /** Someone pushes the arm (or jumps the gate) without an unlock; during a fire alarm that is a free passage. */
  forcePassage(direction: SimDirection): void {
    this.pass(direction, this.fireAlarm ? 'free' : 'forced');
  }

  /** Opens (true) or closes the normally-closed fire loop. Open: arm free, ready off, unlocks ignored. */
  setFireAlarm(active: boolean): void {
    this.fireAlarm = active;
    this.module.setInput(this.options.inputs.fireLoopClosed, !active);
    this.module.setInput(this.options.inputs.ready, !active);
    if (active) for (const d of ['in', 'out'] as const) this.closePassage(d);
  }

  /** The module stops answering (and answers again). */
  goSilent(silent: boolean): void {
    this.module.faults.silent = silent;
  }

  /** The module answers every request with this exception code; null for normal service. */
  answerWithException(code: number | null): void {
    this.module.faults.exception = code;
  }

  isOpen(direction: SimDirection): boolean {
    return this.sides[direction].open;
  }

  /** Called when a PASS output goes on (benchmarks time the driver's reaction from here). */
  onPass(listener: (direction: SimDirection, kind: SimPassageKind) => void): () => void {
    this.passListeners.add(listener);
    return () => this.passListeners.delete(listener);
  }

  /** Cancels every pending timer and takes the module off the link. */
  dispose(): void {
    this.detach();
    this.module.close();
    for (const t of this.timers) this.options.clock.clearTimeout(t);
    this.timers.clear();
    for (const stop of this.readWaits) stop();
    this.readWaits.clear();
  }

  private closePassage(direction: SimDirection): void {
    const s = this.sides[direction];
    s.open = false;
    for (const t of [s.grantTimer, s.windowTimer, s.personTimer]) this.cancel(t);
    s.grantTimer = s.windowTimer = s.personTimer = undefined;
  }

  private onUnlock(direction: SimDirection, on: boolean): void {
    const s = this.sides[direction];
    if (this.fireAlarm) return;
    if (on) {
      this.cancel(s.grantTimer);
      s.grantTimer = this.after(this.options.minPulseMs, () => this.grant(direction));
      return;
    }
    this.cancel(s.grantTimer);
    s.grantTimer = undefined;
    // Potential mode: the passage is open only while the input is held.
    if (this.options.mode === 'potential') this.closePassage(direction);
  }

  private grant(direction: SimDirection): void {
    const s = this.sides[direction];
    s.grantTimer = undefined;
    if (s.open) return;
    s.open = true;
    if (this.options.mode === 'pulse') s.windowTimer = this.after(this.options.windowMs, () => this.closePassage(direction));
    const person = s.script.shift() ?? this.randomPerson();
    if (person.kind === 'pass') {
      s.personTimer = this.after(person.afterMs, () => {
        s.personTimer = undefined;
        if (!s.open) return;
        // Pulse mode: one passage per unlock, the window closes as the arm turns.
        if (this.options.mode === 'pulse') this.closePassage(direction);
        this.pass(direction, 'granted');
        if (s.tailgates > 0) {
          s.tailgates--;
          this.pass(direction, 'tailgate');
        }
      });
    }
  }

  private randomPerson(): PersonBehaviour {
    if (this.options.random() < this.options.walkAwayRate) return { kind: 'walk-away' };
    const [min, max] = this.options.personDelayMs;
    return { kind: 'pass', afterMs: Math.round(min + this.options.random() * (max - min)) };
  }

  private pass(direction: SimDirection, kind: SimPassageKind): void {
    const s = this.sides[direction];
    const now = this.options.clock.monotonic();
    const start = Math.max(now, s.passFreeAt);
    // The arm needs a moment before the next person can push it round again: PASS stays low
    // that long between two pulses. 60 ms used to be assumed here; a poll cycle slowed by a
    // loaded machine (or a 9600-baud line) then read two pulses as one and missed a passage.
    s.passFreeAt = start + this.options.passPulseMs + PASS_GAP_MS;
    const input = direction === 'in' ? this.options.inputs.passIn : this.options.inputs.passOut;
    const begin = (): void => {
      // The previous pulse still waits for its read (see pulseInput): this one follows it.
      if (this.module.input(input)) return void this.after(PASS_GAP_MS, begin);
      this.passages.push({ direction, kind, at: this.options.clock.monotonic() });
      this.pulseInput(input, this.options.passPulseMs);
      if (kind === 'forced' || kind === 'tailgate') this.pulseInput(this.options.inputs.alarm, 1000);
      for (const l of [...this.passListeners]) l(direction, kind);
    };
    this.after(start - now, begin);
  }

  /**
   * Drives an input on for `ms`, and past that until one read of the inputs was answered.
   * A real controller's output is sampled by a module with its own processor, so a 250 ms
   * PASS is always read by a master polling every 40 ms. Here the module shares the event
   * loop of the master (tests, the demo): a loop stalled longer than the pulse ran its end
   * before the read queued behind it, and the passage vanished (seen under load).
   */
  private pulseInput(input: number, ms: number): void {
    let read = false;
    const stopWatching = this.module.onInputsRead(() => (read = true));
    this.module.setInput(input, true);
    this.after(ms, () => {
      stopWatching();
      if (read) return this.module.setInput(input, false);
      const stop = this.module.onInputsRead(() => {
        stop();
        this.readWaits.delete(stop);
        // After the reply's values were taken: this read saw the input on.
        this.module.setInput(input, false);
      });
      this.readWaits.add(stop);
    });
  }

  private after(ms: number, fn: () => void): TimerHandle {
    const t = this.options.clock.setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private cancel(t: TimerHandle | undefined): void {
    if (!t) return;
    this.options.clock.clearTimeout(t);
    this.timers.delete(t);
  }
}
