import type { Clock, TimerHandle } from '../../../platform/clock.ts';
import type { Logger } from '../../../platform/log.ts';
import type { Direction, PassageOutcome } from '../turnstile-port.ts';
import type { TurnstileConfig } from './config.ts';
import { nextPassage, type PassageEffect, type PassageEvent, type PassageState } from './passage.ts';
import type { StatusBoard } from './status-board.ts';
import type { UnlockRelays } from './unlock-relays.ts';

interface Lane {
  state: PassageState;
  caller: ((o: PassageOutcome) => void) | undefined;
  pulseTimer: TimerHandle | undefined;
  windowTimer: TimerHandle | undefined;
}

export interface PassageLanesDeps {
  readonly config: TurnstileConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly board: StatusBoard;
  readonly relays: UnlockRelays;
  /** A PASS came without a granted open. */
  onForcedPassage(direction: Direction): void;
}

/**
 * Runs the passage state machine (passage.ts) of each direction: feeds it events, and
 * performs its effects (the unlock relay, the pulse and window timers, the caller's outcome).
 */
export class PassageLanes {
  private readonly lanes: Record<Direction, Lane>;

  constructor(private readonly deps: PassageLanesDeps) {
    const lane = (): Lane => ({ state: 'idle', caller: undefined, pulseTimer: undefined, windowTimer: undefined });
    this.lanes = { in: lane(), out: lane() };
  }

  dispatch(direction: Direction, event: PassageEvent, caller?: (o: PassageOutcome) => void): void {
    const lane = this.lanes[direction];
    const t = nextPassage(lane.state, event);
    if (!t) {
      const message = `passage ${direction}: event ${event.type} in state ${lane.state}`;
      this.deps.logger.error({ code: 'TURNSTILE_STATE_BUG', direction, state: lane.state, event: event.type }, message);
      this.deps.board.error('TURNSTILE_STATE_BUG', message);
      return;
    }
    if (event.type === 'open' && lane.state === 'idle') lane.caller = caller;
    lane.state = t.next;
    if (t.next === 'idle') this.stopTimers(lane);
    for (const effect of t.effects) this.perform(direction, effect, caller);
  }

  private perform(direction: Direction, effect: PassageEffect, caller: ((o: PassageOutcome) => void) | undefined): void {
    const { clock, config, relays } = this.deps;
    const lane = this.lanes[direction];
    const settle = (o: PassageOutcome): void => {
      const c = lane.caller;
      lane.caller = undefined;
      c?.(o);
    };
    switch (effect) {
      case 'relay-on':
        relays.want(direction, true);
        void relays.write(direction).then((ok) => this.dispatch(direction, { type: ok ? 'unlocked' : 'unlock-failed' }));
        return;
      case 'relay-off':
        relays.want(direction, false);
        void relays.write(direction);
        return;
      case 'start-timers':
        lane.windowTimer = clock.setTimeout(() => this.dispatch(direction, { type: 'window-elapsed' }), config.windowMs);
        if (config.mode === 'pulse') lane.pulseTimer = clock.setTimeout(() => this.dispatch(direction, { type: 'pulse-elapsed' }), config.pulseMs);
        return;
      case 'stop-timers':
        this.stopTimers(lane);
        return;
      case 'resolve-passed':
        return settle({ kind: 'passed', at: clock.now() });
      case 'resolve-not-passed':
        return settle({ kind: 'not-passed' });
      case 'refuse-busy':
        return caller?.({ kind: 'refused', code: 'BUSY', message: `a passage ${direction} is already pending` });
      case 'report-forced-passage':
        return this.deps.onForcedPassage(direction);
    }
  }

  private stopTimers(lane: Lane): void {
    this.deps.clock.clearTimeout(lane.pulseTimer);
    this.deps.clock.clearTimeout(lane.windowTimer);
    lane.pulseTimer = lane.windowTimer = undefined;
  }
}
