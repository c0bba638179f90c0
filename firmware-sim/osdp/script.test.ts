import { describe, expect, it } from 'vitest';
import { cpCryptogram, decodePacket, decodeReply, deriveSessionKeys, encodePacket, SCBK_D, SCS } from '../../protocol/osdp/index.ts';
import { SimulatedOsdpBus } from './bus.ts';
import { SimulatedPd } from './pd.ts';
import { runScriptLine } from './script.ts';

/** An in-memory link: what the bus writes is collected; `send` plays the CP. */
function rig() {
  const written: Uint8Array[] = [];
  let deliver: (c: Uint8Array) => void = () => undefined;
  const bus = new SimulatedOsdpBus({ write: (d) => written.push(d), onData: (l) => ((deliver = l), () => undefined) }, [new SimulatedPd({ address: 1 }), new SimulatedPd({ address: 2 })]);
  const sequences = new Map<number, number>();
  const send = (address: number, code: number, data = new Uint8Array(0)) => {
    const last = sequences.get(address) ?? 0;
    const seq = last >= 3 ? 1 : last + 1;
    sequences.set(address, seq);
    written.length = 0;
    deliver(encodePacket({ address, reply: false, sequence: seq, useCrc: true, code, data }, { mark: true }));
    const step = written[0] ? decodePacket(written[0]) : undefined;
    if (!step || step.kind !== 'frame') return undefined;
    const r = decodeReply(step.frame.code, step.frame.data);
    return r.ok ? r.value : undefined;
  };
  return { bus, send, written };
}

describe('simulated OSDP readers: bus and script', () => {
  it('only the addressed reader answers, with its address and the reply bit', () => {
    const { send, written } = rig();
    expect(send(2, 0x60)).toEqual({ kind: 'ack' });
    const step = decodePacket(written[0]!);
    expect(step.kind === 'frame' && [step.frame.address, step.frame.reply]).toEqual([2, true]);
    expect(send(9, 0x60)).toBeUndefined();
  });

  it('script lines queue cards and PINs, make a reader busy or silent, and report state', () => {
    const { bus, send } = rig();
    expect(runScriptLine(bus, 'card 1 12 3456')).toBe('ok');
    expect(send(1, 0x60)).toMatchObject({ kind: 'raw', bitCount: 26 });
    runScriptLine(bus, 'pin 2 4*42#');
    // OSDP v2.2 osdp_KEYPAD: '*' goes out as 0x7F and '#' as 0x0D.
    expect(send(2, 0x60)).toEqual({ kind: 'keypad', reader: 0, keys: '4\x7f42\r' });
    runScriptLine(bus, 'tamper 2 on');
    expect(send(2, 0x60)).toEqual({ kind: 'lstatr', tamper: true, power: false });
    runScriptLine(bus, 'busy 1 1');
    expect(send(1, 0x60)).toEqual({ kind: 'busy' });
    runScriptLine(bus, 'silent 1 on');
    expect(send(1, 0x60)).toBeUndefined();
    runScriptLine(bus, 'silent 1 off');
    runScriptLine(bus, 'corrupt 1 1');
    expect(send(1, 0x60)).toBeUndefined();
    expect(send(1, 0x60)).toEqual({ kind: 'ack' });
    expect(JSON.parse(runScriptLine(bus, 'state 1'))).toMatchObject({ address: 1, secureChannel: false, installMode: true });
    expect(runScriptLine(bus, 'card 7 1 1')).toMatch(/^error/);
    expect(runScriptLine(bus, 'dance 1')).toMatch(/^error/);
  });

  it('a command with a bad length gets NAK 2, an unknown one NAK 3', () => {
    const { send } = rig();
    expect(send(1, 0x60, Uint8Array.of(1))).toMatchObject({ kind: 'nak', reason: 2 });
    expect(send(1, 0x99)).toMatchObject({ kind: 'nak', reason: 3 });
  });
});

describe('simulated OSDP reader link timeout', () => {
  it('drops the secure channel after 8 s without commands', () => {
    let now = 0;
    const pdRandom = Uint8Array.of(0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7);
    const cpRandom = Uint8Array.of(0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7);
    const pd = new SimulatedPd({ address: 1, now: () => now, random: () => pdRandom });
    const frame = (sequence: number, code: number, data: Uint8Array, type?: number) => {
      const step = decodePacket(encodePacket({ address: 1, reply: false, sequence, useCrc: true, ...(type ? { securityBlock: { type, data: Uint8Array.of(0) } } : {}), code, data }));
      if (step.kind !== 'frame') throw new Error('bad fixture');
      return step.frame;
    };
    pd.handle(frame(1, 0x76, cpRandom, SCS.CHLNG));
    pd.handle(frame(2, 0x77, cpCryptogram(deriveSessionKeys(SCBK_D, cpRandom), cpRandom, pdRandom), SCS.SCRYPT));
    expect(pd.secureChannelActive).toBe(true);
    now = 8001;
    const reply = decodePacket(pd.handle(frame(3, 0x60, new Uint8Array(0)))!);
    expect(pd.secureChannelActive).toBe(false);
    expect(reply.kind === 'frame' && reply.frame.code).toBe(0x40);
  });
});
