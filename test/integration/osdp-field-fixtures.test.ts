import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedOsdpBus } from '../../firmware-sim/osdp/bus.ts';
import { SimulatedPd } from '../../firmware-sim/osdp/pd.ts';
import { ManualClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { concatBytes, fromHex, toHex } from '../../protocol/core/index.ts';
import { decodePacket, encodePacket, encodeReply, type DecodedPacket, type OsdpReply } from '../../protocol/osdp/index.ts';
import { MockTransport, type MockDeviceEnd } from '../../agent/transport/mock.ts';
import type { DeviceStatus } from '../../agent/devices/device.ts';
import type { CredentialPresented } from '../../agent/devices/reader.ts';
import { OsdpControlPanel, type OsdpReaderConfig, type OsdpTiming } from '../../agent/devices/osdp/control-panel.ts';
import { PdLink, type Exchange } from '../../agent/devices/osdp/pd-link.ts';

/**
 * Reader behaviours seen in the field (OSDP v2.2), each driven from the reader's own bytes:
 * hex fixtures of replies from address 1, with the sequence number the CP's command has at
 * that point (ID 0, CAP 1, then 2, 3, 1...). Computed once with the codec and checked here
 * byte for byte, so a change of the codec cannot move them.
 */
const FIXTURE = {
  /** PDID, vendor code 0x00C0FFEE (on the wire EE FF C0), model 7, serial 1000, firmware 2.10.0. */
  pdid: 'ff538114000445eeffc00701e8030000020a00ac4f',
  pdcap: 'ff53810e00054603010109010020a5',
  /** KEYPAD "1 2 * 9 0 #" as the spec encodes it: 31 32 7F 39 30 0D. */
  keypad: 'ff538110000653000631327f39300d5d05',
  /** NAK 6 (secure channel conditions not met) to a clear-text POLL. */
  nak6: 'ff5381090006410600ff',
  /** BUSY, with sequence number 0 whatever the command's. */
  busy: 'ff53810800047972a1',
  /** RAW Wiegand 26, facility 12 card 3456. */
  raw: 'ff53811000065000011a000606c040a45d',
  /** CCRYPT to a request for SCBK-D, security block data 0x01: the reader used its own key K (00..0f). */
  ccryptOwnKey: 'ff53812b000e03120176eeffc00701e80300a0a1a2a3a4a5a6a79bbe9b05c1912e029431f91e37d82d06c25c',
  rmacIOwnKey: 'ff53811b000f03140178dd5b1d875553ab1c86d2e1bedc4824aa20c4',
  /** The same answer from a reader whose own key is another one. */
  ccryptOtherKey: 'ff53812b000e03120176eeffc00701e80300a0a1a2a3a4a5a6a7880da301911df5d78ff6b305dffcdd9c2401',
};
const K = fromHex('000102030405060708090a0b0c0d0e0f');
const CP_RANDOM = fromHex('b0b1b2b3b4b5b6b7');

function packet(hex: string): DecodedPacket {
  const step = decodePacket(fromHex(hex));
  if (step.kind !== 'frame') throw new Error(`fixture ${hex} is not a packet`);
  return step.frame;
}

/** A reader that answers each command with the fixture the script gives, or a plain reply with the command's sequence. */
function scriptedReader(end: MockDeviceEnd, script: (command: DecodedPacket, n: number) => string | OsdpReply | undefined): DecodedPacket[] {
  const seen: DecodedPacket[] = [];
  let buffer: Uint8Array = new Uint8Array(0);
  end.onData((chunk) => {
    buffer = concatBytes(buffer, chunk);
    for (let step = decodePacket(buffer); step.kind !== 'need-more'; step = decodePacket(buffer)) {
      buffer = buffer.subarray(step.kind === 'frame' ? step.consumed : step.skip);
      if (step.kind !== 'frame') continue;
      seen.push(step.frame);
      const answer = script(step.frame, seen.length);
      if (answer === undefined) continue;
      end.write(typeof answer === 'string' ? fromHex(answer) : encodePacket({ address: 1, reply: true, sequence: step.frame.sequence, useCrc: true, ...encodeReply(answer) }, { mark: true }));
    }
  });
  return seen;
}

const discovery = (c: DecodedPacket): string | undefined => (c.code === 0x61 ? FIXTURE.pdid : c.code === 0x62 ? FIXTURE.pdcap : undefined);

const panels: OsdpControlPanel[] = [];
afterEach(async () => {
  for (const cp of panels.splice(0)) await cp.stop();
});

async function panel(readers: OsdpReaderConfig[], attach: (end: MockDeviceEnd) => void, timing: Partial<OsdpTiming> = {}) {
  const clock = new ManualClock();
  const transport = new MockTransport('osdp-fixtures');
  attach(transport.device);
  const cp = new OsdpControlPanel({ transport, clock, logger: silentLogger, readers, timing });
  panels.push(cp);
  const credentials: CredentialPresented[] = [];
  const statuses: DeviceStatus[] = [];
  cp.reader('in').onCredential((e) => credentials.push(e));
  cp.reader('in').onStatus((s) => statuses.push(s));
  await cp.start();
  const run = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 5) {
      clock.advance(5);
      for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
    }
  };
  return { cp, credentials, statuses, run, status: () => cp.reader('in').status() };
}

describe('OSDP readers from the field, driven by their bytes', () => {
  it('1. keypad: 0x7F (*) clears and 0x0D (#) ends the PIN: 31 32 7F 39 30 0D is PIN 90', async () => {
    const p = await panel([{ id: 'in', address: 1 }], (end) => scriptedReader(end, (c, n) => discovery(c) ?? (n === 3 ? FIXTURE.keypad : { kind: 'ack' })));
    await p.run(200);
    expect(p.credentials.map((c) => c.credential)).toEqual([{ kind: 'pin', pin: '90' }]);
  });

  it('2. CCRYPT key byte 0x01: a reader out of install mode answers a request for SCBK-D with its own key; the CP goes on with the install key it holds', () => {
    const installed: string[] = [];
    const link = new PdLink({ address: 1, installKey: K }, () => CP_RANDOM, (key) => installed.push(toHex(key)));
    const step = (hex: string): Exchange => {
      const x = link.nextExchange()!;
      const out = link.onReply(x, packet(hex));
      if (out.kind === 'answered') link.apply(out.event);
      return x;
    };
    step(FIXTURE.pdid);
    step(FIXTURE.pdcap);
    const chlng = step(FIXTURE.ccryptOwnKey);
    expect(toHex(chlng.bytes.subarray(6, 9))).toBe('031100');
    expect(link.phase).toBe('crypt');
    const scrypt = step(FIXTURE.rmacIOwnKey);
    expect(toHex(scrypt.bytes.subarray(6, 9))).toBe('031301');
    expect(link.phase).toBe('online');
    expect(link.secureChannelActive).toBe(true);
    expect(installed).toEqual([toHex(K)]);
  });

  it('2. CCRYPT key byte 0x01 with a key that is not the install key: key mismatch, and the message names the key the reader used', () => {
    const link = new PdLink({ address: 1, installKey: K }, () => CP_RANDOM, () => undefined);
    for (const hex of [FIXTURE.pdid, FIXTURE.pdcap]) link.apply((link.onReply(link.nextExchange()!, packet(hex)) as { event: 'ok' }).event);
    const out = link.onReply(link.nextExchange()!, packet(FIXTURE.ccryptOtherKey));
    expect(out).toMatchObject({ kind: 'answered', event: 'refused', error: { code: 'OSDP_SC_KEY_MISMATCH', message: expect.stringMatching(/not in install mode: it answered with its own key \(SCBK\), which is not the install key/) } });
    expect(link.setupFailure).toBe('key-mismatch');
  });

  it('3. NAK 6 to a clear POLL: the reader is "secure channel required", one event, no card, and it is retried at the slow pace', async () => {
    let polls = 0;
    const p = await panel(
      [{ id: 'in', address: 1 }],
      (end) =>
        scriptedReader(end, (c) => {
          if (c.code !== 0x60) return discovery(c);
          polls++;
          return polls === 1 ? FIXTURE.nak6 : { kind: 'nak', reason: 6, detail: new Uint8Array(0) };
        }),
      { secureRetryMs: 1000 },
    );
    await p.run(3500);
    expect(p.status()).toMatchObject({ state: 'degraded', lastError: { code: 'OSDP_SC_REQUIRED' }, detail: { condition: 'sc-required', vendor: 'c0ffee', secureChannel: false } });
    expect(p.statuses.map((s) => s.detail?.condition)).toEqual(['starting', 'sc-required']);
    // One POLL per retry (every secureRetryMs), where a reader taken for online is polled every 50 ms.
    expect(polls).toBeLessThanOrEqual(4);
    expect(p.credentials).toEqual([]);
  });

  it('4. BUSY with sequence 0 is the reader asking to wait: the same POLL is sent again, the reader stays online and its card arrives', async () => {
    const polls: string[] = [];
    const p = await panel([{ id: 'in', address: 1 }], (end) =>
      scriptedReader(end, (c) => {
        if (c.code !== 0x60) return discovery(c);
        polls.push(`${c.sequence}`);
        return polls.length <= 10 ? FIXTURE.busy : polls.length === 11 ? FIXTURE.raw : { kind: 'ack' };
      }),
    );
    await p.run(1000);
    expect(polls.slice(0, 11)).toEqual(Array(11).fill('2'));
    expect(p.credentials.map((c) => c.credential)).toEqual([{ kind: 'badge', number: String(12 * 65536 + 3456), raw: '26:0606c040', format: 'wiegand26' }]);
    expect(p.statuses.map((s) => s.state)).toEqual(['starting', 'online']);
  });

  it('5. the vendor code reads in the right byte order: EE FF C0 on the wire is c0ffee', async () => {
    const p = await panel([{ id: 'in', address: 1 }], (end) => scriptedReader(end, (c) => discovery(c) ?? { kind: 'ack' }));
    await p.run(100);
    expect(p.status().detail).toMatchObject({ vendor: 'c0ffee', model: 7, serial: 1000, firmware: '2.10.0' });
  });

  it('5. one status event per change; lastError cleared on recovery; feedback rejects with a code while offline', async () => {
    let bus: SimulatedOsdpBus | undefined;
    const p = await panel([{ id: 'in', address: 1 }], (end) => (bus = new SimulatedOsdpBus(end, [new SimulatedPd({ address: 1 })])));
    await p.run(200);
    bus!.reader(1).goSilent(true);
    await p.run(2500);
    expect(p.status()).toMatchObject({ state: 'offline', lastError: { code: 'OSDP_NO_REPLY' } });
    await expect(p.cp.reader('in').feedback({ kind: 'granted' })).rejects.toMatchObject({ code: 'OSDP_READER_OFFLINE' });
    bus!.reader(1).goSilent(false);
    await p.run(1500);
    expect(p.status().state).toBe('online');
    expect(p.status().lastError).toBeUndefined();
    expect(p.statuses.map((s) => s.state)).toEqual(['starting', 'online', 'degraded', 'offline', 'online']);
    const given = p.cp.reader('in').feedback({ kind: 'granted' });
    await p.run(100);
    await expect(given).resolves.toBeUndefined();
  });
});
