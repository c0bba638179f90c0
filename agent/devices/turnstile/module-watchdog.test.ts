import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../platform/clock.ts';
import { TurnstileError } from './errors.ts';
import type { ModbusMaster } from './modbus-master.ts';
import { ModuleWatchdogKeeper, WATCHDOG_CHECK_MS, WATCHDOG_RETRY_MS } from './module-watchdog.ts';

/** A module's holding registers behind the two master calls the keeper makes; `fail` makes the next call throw. */
function module() {
  const registers = new Map<number, number>();
  let fail: TurnstileError | undefined;
  const take = () => {
    const e = fail;
    fail = undefined;
    if (e) throw e;
  };
  const master = {
    writeSingleRegister: async (_unit: number, address: number, value: number) => (take(), void registers.set(address, value)),
    readHoldingRegisters: async (_unit: number, start: number, quantity: number) => (take(), Array.from({ length: quantity }, (_, i) => registers.get(start + i) ?? 0)),
  } as unknown as ModbusMaster;
  return { registers, master, failNext: (e: TurnstileError) => (fail = e) };
}

const W = { register: 8, unitMs: 1000, timeoutMs: 1500 };

describe('ModuleWatchdogKeeper', () => {
  it('arms (register = ceil(timeout / unit)), checks every 10 s, and rewrites a value the module lost', async () => {
    const clock = new ManualClock();
    const m = module();
    const k = new ModuleWatchdogKeeper(W, 1, clock);
    await k.ensure(m.master, true);
    expect([k.state, m.registers.get(8), k.timeoutMs]).toEqual(['armed', 2, 2000]);
    expect(k.due).toBe(false);
    m.registers.set(8, 0);
    clock.advance(WATCHDOG_CHECK_MS);
    expect(k.due).toBe(true);
    await k.ensure(m.master, false);
    expect([k.state, m.registers.get(8)]).toEqual(['armed', 2]);
  });

  it('a check that gets no answer keeps it armed and tries again within a second; an exception disarms it', async () => {
    const clock = new ManualClock();
    const m = module();
    const k = new ModuleWatchdogKeeper(W, 1, clock);
    await k.ensure(m.master, true);
    clock.advance(WATCHDOG_CHECK_MS);
    m.failNext(new TurnstileError('MODBUS_TIMEOUT', 'no reply'));
    await k.ensure(m.master, false);
    expect(k.state).toBe('armed');
    clock.advance(WATCHDOG_RETRY_MS - 1);
    expect(k.due).toBe(false);
    clock.advance(1);
    expect(k.due).toBe(true);
    m.failNext(new TurnstileError('MODBUS_EXCEPTION', 'function 0x03 answered exception 2 ILLEGAL_DATA_ADDRESS'));
    await expect(k.ensure(m.master, false)).rejects.toMatchObject({ code: 'TURNSTILE_WATCHDOG_UNARMED' });
    expect(k.state).toBe('unarmed');
  });

  it('at start, no answer leaves it unarmed (potential mode must not open) and it is retried every second', async () => {
    const clock = new ManualClock();
    const m = module();
    const k = new ModuleWatchdogKeeper(W, 1, clock);
    m.failNext(new TurnstileError('MODBUS_TIMEOUT', 'no reply'));
    await expect(k.ensure(m.master, true)).rejects.toMatchObject({ code: 'TURNSTILE_WATCHDOG_UNARMED' });
    expect(k.state).toBe('unarmed');
    clock.advance(WATCHDOG_RETRY_MS);
    expect(k.due).toBe(true);
    await k.ensure(m.master, false);
    expect(k.state).toBe('armed');
  });
});
