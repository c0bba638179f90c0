import type { Clock } from '../../platform/clock.ts';
import type { SimLink } from '../link.ts';
import { ModbusIoModule } from './io-module.ts';
import { seededRandom, SimulatedTurnstile, type SimulatedTurnstileOptions } from './simulated-turnstile.ts';

export { ModbusIoModule, type IoModuleFaults, type IoModuleOptions } from './io-module.ts';
export { seededRandom, SimulatedTurnstile, type PersonBehaviour, type SimDirection, type SimPassageKind, type SimulatedTurnstileOptions } from './simulated-turnstile.ts';

/** Where the simulated module keeps its watchdog: Wiren Board's relay modules, holding register 8 "safe mode timeout" in seconds. */
export const SIM_WATCHDOG = { register: 8, unitMs: 1000 } as const;

/**
 * An 8-relay/8-input module at `unit` with a turnstile wired to it in the default map.
 * Its communication watchdog is SIM_WATCHDOG unless `watchdog` says otherwise (`null`: a module without one).
 */
export function createTurnstileSim(
  link: SimLink,
  clock: Clock,
  options: Partial<SimulatedTurnstileOptions> & { unit?: number; seed?: number; lineBaud?: number; watchdog?: { register: number; unitMs: number } | null } = {},
): SimulatedTurnstile {
  const watchdog = options.watchdog === undefined ? SIM_WATCHDOG : options.watchdog;
  // A cheap board without a watchdog has no settings registers at all.
  const module = new ModbusIoModule(link, { unit: options.unit ?? 1, coilCount: 8, inputCount: 8, registerCount: watchdog ? 16 : 0, clock, ...(watchdog ? { watchdog } : {}), ...(options.lineBaud ? { lineBaud: options.lineBaud } : {}) });
  return new SimulatedTurnstile(module, {
    clock,
    mode: 'pulse',
    windowMs: 5000,
    minPulseMs: 100,
    passPulseMs: 250,
    personDelayMs: [300, 1500],
    walkAwayRate: 0,
    random: seededRandom(options.seed ?? 1),
    coils: { unlockIn: 0, unlockOut: 1 },
    inputs: { passIn: 0, passOut: 1, fireLoopClosed: 2, ready: 3, alarm: 4 },
    ...options,
  });
}
