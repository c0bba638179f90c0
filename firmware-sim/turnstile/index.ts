import type { Clock } from '../../platform/clock.ts';
import type { SimLink } from '../link.ts';
import { ModbusIoModule } from './io-module.ts';
import { seededRandom, SimulatedTurnstile, type SimulatedTurnstileOptions } from './simulated-turnstile.ts';

export { ModbusIoModule, type IoModuleFaults, type IoModuleOptions } from './io-module.ts';
export { seededRandom, SimulatedTurnstile, type PersonBehaviour, type SimDirection, type SimPassageKind, type SimulatedTurnstileOptions } from './simulated-turnstile.ts';

/** An 8-relay/8-input module at `unit` with a turnstile wired to it in the default map. */
export function createTurnstileSim(link: SimLink, clock: Clock, options: Partial<SimulatedTurnstileOptions> & { unit?: number; seed?: number; lineBaud?: number } = {}): SimulatedTurnstile {
  const module = new ModbusIoModule(link, { unit: options.unit ?? 1, coilCount: 8, inputCount: 8, clock, ...(options.lineBaud ? { lineBaud: options.lineBaud } : {}) });
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
