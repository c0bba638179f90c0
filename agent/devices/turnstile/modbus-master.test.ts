import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../platform/clock.ts';
import { silentLogger } from '../../../platform/log.ts';
import { fromHex } from '../../../protocol/core/index.ts';
import { decodeRequest, encodeResponse, withCrc, type ModbusRequest, type ModbusResponse } from '../../../protocol/modbus/index.ts';
import { createMemoryLink } from '../../../test/support/memory-link.ts';
import { ModbusMaster } from './modbus-master.ts';
import type { TurnstileError } from './errors.ts';

type Responder = (req: ModbusRequest, n: number) => ModbusResponse | Uint8Array | 'silent';

/** A master over a memory link whose device end answers with `respond` (a unit test fake, not the simulator). */
async function setup(respond: Responder, retries = 1) {
  const clock = new ManualClock();
  const link = createMemoryLink();
  const seen: ModbusRequest[] = [];
  link.device.onData((chunk) => {
    const s = decodeRequest(chunk);
    if (s.kind !== 'frame') return;
    seen.push(s.frame.pdu);
    const r = respond(s.frame.pdu, seen.length);
    if (r === 'silent') return;
    if (r instanceof Uint8Array) return link.device.write(r);
    const e = encodeResponse(s.frame.unit, r);
    if (e.ok) link.device.write(e.value);
  });
  await link.transport.open();
  const master = new ModbusMaster(link.transport, { clock, logger: silentLogger, timeoutMs: 100, retries });
  return { clock, master, seen, link };
}

const echo = (req: ModbusRequest): ModbusResponse => {
  switch (req.fn) {
    case 'read-coils':
    case 'read-discrete-inputs':
      return { fn: req.fn, bits: Array.from({ length: Math.ceil(req.quantity / 8) * 8 }, (_, i) => i % 3 === 0) };
    case 'write-single-coil':
      return { fn: 'write-single-coil', address: req.address, value: req.value };
    case 'write-multiple-coils':
      return { fn: 'write-multiple-coils', start: req.start, quantity: req.values.length };
    case 'read-holding-registers':
      return { fn: 'read-holding-registers', values: Array.from({ length: req.quantity }, (_, i) => req.start + i) };
    case 'write-single-register':
      return { fn: 'write-single-register', address: req.address, value: req.value };
    case 'write-multiple-registers':
      return { fn: 'write-multiple-registers', start: req.start, quantity: req.values.length };
    case 'illegal':
      return { fn: 'exception', functionCode: req.functionCode, exception: req.exception };
  }
};

async function settle<T>(clock: ManualClock, p: Promise<T>, ms = 1000): Promise<T | TurnstileError | 'still pending'> {
  let out: T | TurnstileError | 'still pending' = 'still pending';
  let done = false;
  p.then(
    (v) => ((out = v), (done = true)),
    (e: TurnstileError) => ((out = e), (done = true)),
  );
  for (let t = 0; t < ms && !done; t += 5) await clock.advanceAsync(5);
  return out;
}

describe('ModbusMaster', () => {
  it('reads discrete inputs and trims to the quantity asked', async () => {
    const { clock, master } = await setup(echo);
    expect(await settle(clock, master.readDiscreteInputs(1, 0, 5))).toEqual([true, false, false, true, false]);
  });

  it('retries after a timeout and succeeds', async () => {
    const { clock, master, seen } = await setup((req, n) => (n === 1 ? 'silent' : echo(req)));
    expect(await settle(clock, master.readCoils(1, 0, 2))).toEqual([true, false]);
    expect(seen).toHaveLength(2);
    expect(master.stats).toMatchObject({ timeouts: 1, retries: 1 });
  });

  it('gives MODBUS_TIMEOUT after every attempt timed out', async () => {
    const { clock, master, seen } = await setup(() => 'silent', 2);
    expect(await settle(clock, master.readCoils(1, 0, 2))).toMatchObject({ code: 'MODBUS_TIMEOUT', detail: { attempts: 3 } });
    expect(seen).toHaveLength(3);
  });

  it('turns an exception reply into MODBUS_EXCEPTION with its code, without retrying', async () => {
    const { clock, master, seen } = await setup(() => ({ fn: 'exception', functionCode: 5, exception: 2 }));
    expect(await settle(clock, master.writeSingleCoil(1, 9, true))).toMatchObject({ code: 'MODBUS_EXCEPTION', detail: { exception: 2, functionCode: 5 }, message: expect.stringContaining('ILLEGAL_DATA_ADDRESS') });
    expect(seen).toHaveLength(1);
  });

  it('a garbled reply (bad CRC) is dropped and the retry answers', async () => {
    const { clock, master } = await setup((req, n) => (n === 1 ? fromHex('01 02 01 09 00 00') : echo(req)));
    expect(await settle(clock, master.readDiscreteInputs(1, 0, 3))).toEqual([true, false, false]);
    expect(master.stats.rejectedBytes).toBeGreaterThan(0);
  });

  it('ignores a reply from another unit or to another function', async () => {
    const { clock, master } = await setup(() => withCrc(fromHex('02 02 01 01')), 0);
    expect(await settle(clock, master.readDiscreteInputs(1, 0, 1))).toMatchObject({ code: 'MODBUS_TIMEOUT' });
  });

  it('does not take a stale echo of another write for the answer', async () => {
    const { clock, master } = await setup(() => ({ fn: 'write-single-coil', address: 1, value: false }), 0);
    expect(await settle(clock, master.writeSingleCoil(1, 1, true))).toMatchObject({ code: 'MODBUS_TIMEOUT' });
  });

  it('a late reply to the previous attempt of the same read serves the retry', async () => {
    const { clock, master, link } = await setup(() => 'silent', 1);
    link.device.onData(() => clock.setTimeout(() => link.device.write(withCrc(fromHex('01 02 01 05'))), 120));
    expect(await settle(clock, master.readDiscreteInputs(1, 0, 3))).toEqual([true, false, true]);
    expect(master.stats.timeouts).toBe(1);
  });

  it('one request on the bus at a time, commands ahead of queued polls', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const { clock, master, seen, link } = await setup(() => 'silent', 0);
    link.device.onData(() => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
    });
    const replyLater = (req: ModbusRequest): void => {
      clock.setTimeout(() => {
        inFlight--;
        const e = encodeResponse(1, echo(req));
        if (e.ok) link.device.write(e.value);
      }, 20);
    };
    link.device.onData((chunk) => {
      const s = decodeRequest(chunk);
      if (s.kind === 'frame') replyLater(s.frame.pdu);
    });
    const all = Promise.all([master.readDiscreteInputs(1, 0, 5), master.readDiscreteInputs(1, 0, 5), master.readDiscreteInputs(1, 0, 5), master.writeSingleCoil(1, 0, true)]);
    await settle(clock, all);
    expect(seen.map((r) => r.fn)).toEqual(['read-discrete-inputs', 'write-single-coil', 'read-discrete-inputs', 'read-discrete-inputs']);
    expect(maxInFlight).toBe(1);
  });

  it('a closed link gives MODBUS_LINK_DOWN, and dispose rejects what is queued with MODBUS_STOPPED', async () => {
    const { clock, master, link } = await setup(() => 'silent', 0);
    await link.transport.close();
    expect(await settle(clock, master.readCoils(1, 0, 1))).toMatchObject({ code: 'MODBUS_LINK_DOWN' });
    await link.transport.open();
    const a = settle(clock, master.readCoils(1, 0, 1));
    const b = settle(clock, master.readCoils(1, 0, 1));
    master.dispose();
    expect(await a).toMatchObject({ code: 'MODBUS_STOPPED' });
    expect(await b).toMatchObject({ code: 'MODBUS_STOPPED' });
  });

  it('a broadcast write expects no reply', async () => {
    const { clock, master, seen } = await setup(() => 'silent', 0);
    expect(await settle(clock, master.writeSingleCoil(0, 1, false))).toBeUndefined();
    expect(seen).toEqual([{ fn: 'write-single-coil', address: 1, value: false }]);
  });
});
