import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { toHex } from '../../protocol/core/index.ts';
import { decodeResponse, encodeRequest, type ModbusRequest } from '../../protocol/modbus/index.ts';
import type { SimLink } from '../link.ts';
import { createTurnstileSim } from './index.ts';

/** The simulator on a bare link: the test is the master, frame by frame, on fake time. */
function setup(mode: 'pulse' | 'potential' = 'pulse', watchdog?: null) {
  const clock = new ManualClock();
  const hostListeners = new Set<(c: Uint8Array) => void>();
  const replies: Uint8Array[] = [];
  const link: SimLink = { write: (d) => void replies.push(Uint8Array.from(d)), onData: (l) => (hostListeners.add(l), () => hostListeners.delete(l)) };
  const sim = createTurnstileSim(link, clock, { mode, windowMs: 5000, ...(watchdog === null ? { watchdog } : {}) });
  const send = (req: ModbusRequest, unit = 1) => {
    const e = encodeRequest(unit, req);
    if (!e.ok) throw new Error(e.error.message);
    for (const l of hostListeners) l(e.value);
    const last = replies.shift();
    return last ? decodeResponse(last) : undefined;
  };
  const coil = (address: number, value: boolean) => send({ fn: 'write-single-coil', address, value });
  const inputs = () => {
    const r = send({ fn: 'read-discrete-inputs', start: 0, quantity: 5 });
    return r?.kind === 'frame' && r.frame.pdu.fn === 'read-discrete-inputs' ? r.frame.pdu.bits.slice(0, 5).map(Number).join('') : 'no reply';
  };
  return { clock, sim, send, coil, inputs, replies };
}

describe('simulated I/O module', () => {
  it('starts with the fire loop closed and ready on (inputs 2 and 3)', () => {
    expect(setup().inputs()).toBe('00110');
  });

  it('answers out-of-range reads with exception 2, unknown functions with exception 1', () => {
    const { send } = setup();
    expect(send({ fn: 'read-coils', start: 7, quantity: 2 })).toMatchObject({ frame: { pdu: { fn: 'exception', functionCode: 1, exception: 2 } } });
    const { replies, sim } = setup();
    sim.module['onData'](Uint8Array.of(0x01, 0x04, 0x00, 0x00, 0x00, 0x0a, 0x70, 0x0d));
    expect(toHex(replies[0] ?? new Uint8Array(), ' ')).toBe('01 84 01 82 c0');
    expect(send({ fn: 'read-holding-registers', start: 15, quantity: 2 })).toMatchObject({ frame: { pdu: { fn: 'exception', functionCode: 3, exception: 2 } } });
  });

  it('keeps holding registers (FC03, FC06, FC10)', () => {
    const { send } = setup();
    expect(send({ fn: 'write-multiple-registers', start: 2, values: [0x1234, 7] })).toMatchObject({ frame: { pdu: { fn: 'write-multiple-registers', start: 2, quantity: 2 } } });
    expect(send({ fn: 'write-single-register', address: 5, value: 0xffff })).toMatchObject({ frame: { pdu: { fn: 'write-single-register', address: 5, value: 0xffff } } });
    expect(send({ fn: 'read-holding-registers', start: 2, quantity: 4 })).toMatchObject({ frame: { pdu: { fn: 'read-holding-registers', values: [0x1234, 7, 0, 0xffff] } } });
  });

  it('communication watchdog (register 8, seconds): every relay drops once the master is quiet for the timeout, and each request restarts the count', () => {
    const { send, coil, clock, sim } = setup();
    const trips: number[] = [];
    sim.module.onWatchdogTrip(() => trips.push(clock.monotonic()));
    coil(0, true);
    clock.advance(5000);
    expect(sim.module.coil(0)).toBe(true);
    send({ fn: 'write-single-register', address: 8, value: 2 });
    expect(sim.module.watchdogMs).toBe(2000);
    coil(1, true);
    for (let i = 0; i < 5; i++) {
      clock.advance(1500);
      send({ fn: 'read-discrete-inputs', start: 0, quantity: 5 });
    }
    expect([sim.module.coil(0), sim.module.coil(1)]).toEqual([true, true]);
    const quietFrom = clock.monotonic();
    clock.advance(1999);
    expect(sim.module.coil(0)).toBe(true);
    clock.advance(1);
    expect([sim.module.coil(0), sim.module.coil(1)]).toEqual([false, false]);
    expect(trips).toEqual([quietFrom + 2000]);
    send({ fn: 'write-single-register', address: 8, value: 0 });
    coil(0, true);
    clock.advance(60_000);
    expect(sim.module.coil(0)).toBe(true);
  });

  it('a module without a watchdog has no holding registers: FC03 and FC06 get exception 2', () => {
    const { send } = setup('pulse', null);
    expect(send({ fn: 'write-single-register', address: 8, value: 1 })).toMatchObject({ frame: { pdu: { fn: 'exception', functionCode: 6, exception: 2 } } });
  });

  it('ignores other units, executes broadcasts without answering', () => {
    const { send, sim } = setup();
    expect(send({ fn: 'write-single-coil', address: 0, value: true }, 2)).toBeUndefined();
    expect(sim.module.coil(0)).toBe(false);
    expect(send({ fn: 'write-multiple-coils', start: 0, values: [true, true] }, 0)).toBeUndefined();
    expect([sim.module.coil(0), sim.module.coil(1)]).toEqual([true, true]);
  });

  it('goes silent, and answers with a scripted exception', () => {
    const { send, sim, inputs } = setup();
    sim.goSilent(true);
    expect(inputs()).toBe('no reply');
    sim.goSilent(false);
    sim.answerWithException(6);
    expect(send({ fn: 'read-discrete-inputs', start: 0, quantity: 1 })).toMatchObject({ frame: { pdu: { fn: 'exception', functionCode: 2, exception: 6 } } });
  });
});

describe('line timing', () => {
  it('with lineBaud 9600, a read waits for 8 + 6 bytes at 11 bits each (16 ms) before its reply', () => {
    const clock = new ManualClock();
    const replies: Uint8Array[] = [];
    let deliver: (c: Uint8Array) => void = () => undefined;
    const sim = createTurnstileSim({ write: (d) => void replies.push(d), onData: (l) => ((deliver = l), () => undefined) }, clock, { lineBaud: 9600 });
    const e = encodeRequest(1, { fn: 'read-discrete-inputs', start: 0, quantity: 5 });
    if (e.ok) deliver(e.value);
    clock.advance(16);
    expect(replies).toHaveLength(0);
    clock.advance(1);
    expect(replies).toHaveLength(1);
    sim.dispose();
  });
});

describe('simulated turnstile', () => {
  it('ignores an unlock pulse shorter than 100 ms', () => {
    const { clock, sim, coil } = setup();
    coil(0, true);
    clock.advance(60);
    coil(0, false);
    clock.advance(200);
    expect(sim.isOpen('in')).toBe(false);
  });

  it('pulse mode: a person passes, PASS is on for 250 ms, the window closes early', () => {
    const { clock, sim, coil, inputs } = setup();
    sim.nextPerson('in', { kind: 'pass', afterMs: 500 });
    coil(0, true);
    clock.advance(200);
    coil(0, false);
    expect(sim.isOpen('in')).toBe(true);
    clock.advance(400);
    expect(inputs()).toBe('10110');
    clock.advance(249);
    expect(inputs()).toBe('10110');
    clock.advance(2);
    expect(inputs()).toBe('00110');
    expect(sim.isOpen('in')).toBe(false);
    expect(sim.passages).toEqual([expect.objectContaining({ direction: 'in', kind: 'granted' })]);
  });

  it('pulse mode: a person who walks away leaves the window open until it ends', () => {
    const { clock, sim, coil } = setup();
    sim.nextPerson('out', { kind: 'walk-away' });
    coil(1, true);
    clock.advance(200);
    coil(1, false);
    clock.advance(4800);
    expect(sim.isOpen('out')).toBe(true);
    clock.advance(200);
    expect(sim.isOpen('out')).toBe(false);
    expect(sim.passages).toEqual([]);
  });

  it('potential mode: releasing the input before the person arrives locks the arm again', () => {
    const { clock, sim, coil } = setup('potential');
    sim.nextPerson('in', { kind: 'pass', afterMs: 1000 });
    coil(0, true);
    clock.advance(600);
    expect(sim.isOpen('in')).toBe(true);
    coil(0, false);
    clock.advance(2000);
    expect(sim.passages).toEqual([]);
  });

  it('a forced passage pulses PASS and raises the alarm output for a second', () => {
    const { clock, sim, inputs } = setup();
    sim.forcePassage('out');
    clock.advance(1);
    expect(inputs()).toBe('01111');
    clock.advance(300);
    expect(inputs()).toBe('00111');
    clock.advance(800);
    expect(inputs()).toBe('00110');
  });

  it('a PASS pulse no read has seen yet stays on until one read answers it (a stalled event loop must not eat it)', () => {
    const { clock, sim, inputs } = setup();
    sim.forcePassage('in');
    clock.advance(400);
    expect(inputs()).toBe('10111');
    expect(inputs()).toBe('00111');
  });

  it('the next PASS on that side waits until the unread one has ended: two passages stay two edges', () => {
    const { clock, sim, inputs } = setup();
    sim.forcePassage('in');
    sim.forcePassage('in');
    clock.advance(1000);
    expect(sim.passages).toHaveLength(1);
    expect(inputs()).toBe('10111');
    clock.advance(300);
    expect(sim.passages).toHaveLength(2);
    expect(inputs()).toBe('10111');
  });

  it('fire alarm: loop open, ready off, unlocks ignored, passages are free', () => {
    const { clock, sim, coil, inputs } = setup();
    sim.setFireAlarm(true);
    expect(inputs()).toBe('00000');
    coil(0, true);
    clock.advance(500);
    expect(sim.isOpen('in')).toBe(false);
    sim.forcePassage('in');
    clock.advance(1);
    expect(sim.passages).toEqual([expect.objectContaining({ kind: 'free' })]);
    expect(inputs()).toBe('10000');
    sim.setFireAlarm(false);
    clock.advance(300);
    expect(inputs()).toBe('00110');
  });

  it('pulses on one side never overlap: two quick PASSes stay two edges', () => {
    const { clock, sim, inputs } = setup();
    const edges: number[] = [];
    sim.onPass(() => edges.push(clock.monotonic()));
    sim.forcePassage('in');
    sim.forcePassage('in');
    // A master polling every 40 ms reads each pulse.
    for (let t = 0; t < 1000; t += 40) {
      clock.advance(40);
      inputs();
    }
    expect(edges).toHaveLength(2);
    expect((edges[1] as number) - (edges[0] as number)).toBeGreaterThan(250);
  });
});
