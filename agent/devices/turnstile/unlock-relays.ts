import type { Clock } from '../../../platform/clock.ts';
import type { Logger } from '../../../platform/log.ts';
import type { Direction } from '../turnstile-port.ts';
import type { TurnstileConfig } from './config.ts';
import type { ModbusMaster } from './modbus-master.ts';
import type { StatusBoard } from './status-board.ts';

export const DIRECTIONS: readonly Direction[] = ['in', 'out'];

interface Relay {
  /** The passage logic wants the unlock relay on. */
  wanted: boolean;
  /** Monotonic ms since `wanted` became true. */
  wantedSince: number;
  /** Writes on their way (the read-back leaves such a relay alone). */
  writesInFlight: number;
}

export interface UnlockRelaysDeps {
  readonly config: TurnstileConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly board: StatusBoard;
  /** The bus master in use (a restarted driver makes a new one). */
  master(): ModbusMaster;
  /** The fire-alarm loop is open: with fireAlarmHoldsUnlock, both relays are held on. */
  fireAlarm(): boolean;
  /** A write or read the module did not confirm. */
  onError(e: unknown): void;
}

/**
 * The two unlock relays of the I/O module: what each should be (the passage wants it, or a
 * fire alarm holds it), bringing the module to that, and reading it back: a relay found on
 * while it should be off, or held on past maxRelayOnMs, is released.
 */
export class UnlockRelays {
  releases = 0;
  private readonly relays: Record<Direction, Relay>;
  private readonly coilBase: number;
  private readonly coilCount: number;

  constructor(private readonly deps: UnlockRelaysDeps) {
    const relay = (): Relay => ({ wanted: false, wantedSince: 0, writesInFlight: 0 });
    this.relays = { in: relay(), out: relay() };
    const coils = Object.values(deps.config.coils);
    this.coilBase = Math.min(...coils);
    this.coilCount = Math.max(...coils) - this.coilBase + 1;
  }

  want(direction: Direction, on: boolean): void {
    const r = this.relays[direction];
    if (on && !r.wanted) r.wantedSince = this.deps.clock.monotonic();
    r.wanted = on;
  }

  desired(direction: Direction): boolean {
    return (this.deps.fireAlarm() && this.deps.config.fireAlarmHoldsUnlock) || this.relays[direction].wanted;
  }

  /** Every coil of the relay range off in one write (start of a run). Throws the Modbus error. */
  async forceAllOff(): Promise<void> {
    await this.deps.master().writeMultipleCoils(this.deps.config.unit, this.coilBase, new Array<boolean>(this.coilCount).fill(false));
  }

  /** Brings one relay to its desired value; resolves false if the module did not confirm. */
  async write(direction: Direction): Promise<boolean> {
    const r = this.relays[direction];
    r.writesInFlight++;
    try {
      await this.deps.master().writeSingleCoil(this.deps.config.unit, this.coil(direction), this.desired(direction));
      return true;
    } catch (e) {
      this.deps.onError(e);
      return false;
    } finally {
      r.writesInFlight--;
    }
  }

  async writeAll(): Promise<void> {
    await Promise.all(DIRECTIONS.map((d) => this.write(d)));
  }

  /** Reads the relays back: one left on that should be off is released, one held on too long too. Throws the Modbus error. */
  async check(): Promise<void> {
    const { config, clock } = this.deps;
    const coils = await this.deps.master().readCoils(config.unit, this.coilBase, this.coilCount);
    for (const d of DIRECTIONS) {
      const r = this.relays[d];
      if (r.wanted && !this.deps.fireAlarm() && clock.monotonic() - r.wantedSince > config.maxRelayOnMs) {
        this.release(d, `held on for more than ${config.maxRelayOnMs} ms`);
        r.wanted = false;
      }
      const actual = coils[this.coil(d) - this.coilBase] === true;
      if (r.writesInFlight > 0 || actual === this.desired(d)) continue;
      if (actual) this.release(d, 'found on while it should be off');
      void this.write(d);
    }
  }

  private coil(direction: Direction): number {
    return direction === 'in' ? this.deps.config.coils.unlockIn : this.deps.config.coils.unlockOut;
  }

  private release(direction: Direction, why: string): void {
    this.releases++;
    const message = `unlock relay ${direction} ${why}: released`;
    this.deps.logger.warn({ code: 'TURNSTILE_RELAY_WATCHDOG', direction }, message);
    this.deps.board.error('TURNSTILE_RELAY_WATCHDOG', message);
  }
}
