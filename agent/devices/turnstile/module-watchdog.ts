import type { Clock } from '../../../platform/clock.ts';
import { watchdogRegisterValue, type ModuleWatchdog } from './config.ts';
import { TurnstileError } from './errors.ts';
import type { ModbusMaster } from './modbus-master.ts';

/** How often the armed watchdog's register is read back: a module that rebooted may have lost a setting kept in RAM. */
export const WATCHDOG_CHECK_MS = 10_000;
/** How soon an unarmed watchdog, or a check that got no answer, is tried again. */
export const WATCHDOG_RETRY_MS = 1000;

/** No answer is not a refusal: the module's watchdog stays as it was, and the poll loop judges the link. */
const NO_ANSWER = new Set(['MODBUS_TIMEOUT', 'MODBUS_LINK_DOWN', 'MODBUS_STOPPED']);

export type WatchdogState = 'none' | 'unarmed' | 'armed';

/**
 * Keeps the I/O module's communication watchdog armed: writes its register (FC06), reads
 * it back (FC03), and checks it again every WATCHDOG_CHECK_MS, rewriting it when the module
 * lost it. The polls themselves feed it; when the agent stops talking (killed, hung,
 * unplugged), the module drops its relays within the timeout.
 */
export class ModuleWatchdogKeeper {
  state: WatchdogState;
  private lastCheck = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly watchdog: ModuleWatchdog | undefined,
    private readonly unit: number,
    private readonly clock: Clock,
  ) {
    this.state = watchdog ? 'unarmed' : 'none';
  }

  get timeoutMs(): number | null {
    return this.watchdog ? watchdogRegisterValue(this.watchdog) * this.watchdog.unitMs : null;
  }

  /** A check is due: every WATCHDOG_CHECK_MS while armed, every WATCHDOG_RETRY_MS otherwise (and at once after `forget()`). */
  get due(): boolean {
    return this.watchdog !== undefined && this.clock.monotonic() - this.lastCheck >= (this.state === 'armed' ? WATCHDOG_CHECK_MS : WATCHDOG_RETRY_MS);
  }

  /** The module went away: its watchdog is unknown until checked again. */
  forget(): void {
    this.lastCheck = Number.NEGATIVE_INFINITY;
    if (this.watchdog) this.state = 'unarmed';
  }

  /**
   * Arms the watchdog (`write`: always write, as at start) or checks it (write only if the
   * module holds another value). Throws TURNSTILE_WATCHDOG_UNARMED, or the Modbus error, and
   * leaves the state 'unarmed'.
   */
  async ensure(master: ModbusMaster, write: boolean): Promise<void> {
    const w = this.watchdog;
    if (!w) return;
    this.lastCheck = this.clock.monotonic();
    const want = watchdogRegisterValue(w);
    try {
      if (!write && (await this.read(master, w)) === want) {
        this.state = 'armed';
        return;
      }
      await master.writeSingleRegister(this.unit, w.register, want);
      const got = await this.read(master, w);
      if (got !== want) throw new TurnstileError('TURNSTILE_WATCHDOG_UNARMED', `the module's watchdog register ${w.register} reads ${got} after writing ${want}`);
      this.state = 'armed';
    } catch (e) {
      if (!write && this.state === 'armed' && e instanceof TurnstileError && NO_ANSWER.has(e.code)) {
        // A check lost on a busy line says nothing about the module's setting: try again soon.
        this.lastCheck = this.clock.monotonic() - WATCHDOG_CHECK_MS + WATCHDOG_RETRY_MS;
        return;
      }
      this.state = 'unarmed';
      if (e instanceof TurnstileError && e.code === 'TURNSTILE_WATCHDOG_UNARMED') throw e;
      const why = e instanceof Error ? e.message : String(e);
      throw new TurnstileError('TURNSTILE_WATCHDOG_UNARMED', `the module's communication watchdog (register ${w.register}) could not be armed: ${why}`);
    }
  }

  private async read(master: ModbusMaster, w: ModuleWatchdog): Promise<number | undefined> {
    return (await master.readHoldingRegisters(this.unit, w.register, 1))[0];
  }
}
