import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../platform/clock.ts';
import { silentLogger } from '../../../platform/log.ts';
import { concatBytes } from '../../../protocol/core/bytes.ts';
import { encodeKeyboardReport, encodeRolloverReport } from '../../../protocol/hid/report.ts';
import { reportsForTypedText } from '../../../protocol/hid/type-text.ts';
import { MockTransport } from '../../transport/mock.ts';
import type { CredentialPresented } from '../reader.ts';
import { classifyTypedLine } from './classify.ts';
import { HidWedgeReader } from './hid-wedge-reader.ts';

async function setup(options: { repeatWindowMs?: number; maxBadgeDigits?: number } = {}) {
  const clock = new ManualClock();
  const transport = new MockTransport('hid');
  const reader = new HidWedgeReader({ id: 'totem-qr', transport, clock, logger: silentLogger, ...options });
  const credentials: CredentialPresented[] = [];
  reader.onCredential((e) => credentials.push(e));
  await reader.start();
  const flush = () => new Promise((r) => setTimeout(r, 5));
  const type = async (text: string) => {
    for (const report of reportsForTypedText(text) ?? []) transport.device.write(report);
    await flush();
  };
  return { clock, transport, reader, credentials, type, flush };
}

const summary = (c: CredentialPresented[]) => c.map((e) => (e.credential.kind === 'badge' ? `badge:${e.credential.number}` : e.credential.kind === 'qr' ? `qr:${e.credential.payload}` : 'pin'));

describe('HidWedgeReader', () => {
  it('delivers a typed badge number as a badge with the canonical number', async () => {
    const { reader, credentials, type } = await setup();
    await type('0012345678');
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ readerId: 'totem-qr', credential: { kind: 'badge', number: '12345678', raw: '0012345678', format: 'keyboard-wedge' } });
    expect(reader.status().state).toBe('online');
    await reader.stop();
  });

  it('delivers a QR payload as typed', async () => {
    const { reader, credentials, type } = await setup();
    await type('RBX1.eyJtIjo0Mn0.c2ln');
    expect(summary(credentials)).toEqual(['qr:RBX1.eyJtIjo0Mn0.c2ln']);
    await reader.stop();
  });

  it('stamps the credential with the arrival time of the Enter report', async () => {
    const { reader, credentials, transport, clock, flush } = await setup();
    const reports = reportsForTypedText('42') ?? [];
    for (const r of reports.slice(0, -2)) transport.device.write(r);
    await flush();
    clock.advance(30);
    for (const r of reports.slice(-2)) transport.device.write(r);
    await flush();
    expect(credentials[0]?.at).toBe(30);
    await reader.stop();
  });

  it('delivers a re-typed badge once within the repeat window and again after it', async () => {
    const { reader, credentials, type, clock } = await setup({ repeatWindowMs: 1500 });
    await type('0012345678');
    clock.advance(1000);
    await type('0012345678');
    clock.advance(1000);
    await type('0012345678');
    expect(credentials).toHaveLength(1);
    clock.advance(1600);
    await type('0012345678');
    await type('77');
    expect(summary(credentials)).toEqual(['badge:12345678', 'badge:12345678', 'badge:77']);
    await reader.stop();
  });

  it('reads reports whose bytes arrive in odd chunks', async () => {
    const { reader, credentials, transport, flush } = await setup();
    const bytes = concatBytes(...(reportsForTypedText('987654') ?? []));
    for (let i = 0; i < bytes.length; i += 5) transport.device.write(bytes.subarray(i, i + 5));
    await flush();
    expect(summary(credentials)).toEqual(['badge:987654']);
    await reader.stop();
  });

  it('drops the line in progress on rollover and reports it, then reads the next scan', async () => {
    const { reader, credentials, transport, type, flush } = await setup({ repeatWindowMs: 10 });
    for (const r of (reportsForTypedText('123', false) ?? []).slice(0, 4)) transport.device.write(r);
    transport.device.write(encodeRolloverReport());
    transport.device.write(encodeKeyboardReport({ modifiers: 0, keys: [] }));
    await flush();
    await type('55');
    expect(summary(credentials)).toEqual(['badge:55']);
    expect(reader.status().lastError?.code).toBe('HID_ROLLOVER');
    expect(reader.status().state).toBe('online');
    await reader.stop();
  });

  it('turns degraded after three spoiled lines in a row and online after a good one', async () => {
    const { reader, transport, type, flush } = await setup();
    const arrow = [encodeKeyboardReport({ modifiers: 0, keys: [0x50] }), encodeKeyboardReport({ modifiers: 0, keys: [] })];
    for (let i = 0; i < 3; i++) for (const r of [...arrow, ...(reportsForTypedText('1') ?? [])]) transport.device.write(r);
    await flush();
    expect(reader.status()).toMatchObject({ state: 'degraded', lastError: { code: 'HID_UNMAPPED_KEY' } });
    await type('2');
    expect(reader.status().state).toBe('online');
    await reader.stop();
  });

  it('goes offline when unplugged and back online after the backoff', async () => {
    const { reader, transport, clock, flush, type, credentials } = await setup();
    transport.loseLink();
    await flush();
    expect(reader.status()).toMatchObject({ state: 'offline', lastError: { code: 'TRANSPORT_LINK_LOST' } });
    clock.advance(250);
    await flush();
    expect(reader.status().state).toBe('online');
    await type('31');
    expect(summary(credentials)).toEqual(['badge:31']);
    await reader.stop();
  });
});

describe('classifyTypedLine', () => {
  const cases: [string, string][] = [
    ['0012345678', 'badge:12345678'],
    ['1', 'badge:1'],
    ['4294967295', 'badge:4294967295'],
    ['4294967296', 'qr:4294967296'],
    ['12345678901', 'qr:12345678901'],
    ['00BC614E', 'qr:00BC614E'],
    ['188:24910', 'qr:188:24910'],
    ['https://club.example/p/abc', 'qr:https://club.example/p/abc'],
  ];
  for (const [text, expected] of cases) {
    it(`classifies ${JSON.stringify(text)} as ${expected.split(':')[0]}`, () => {
      const c = classifyTypedLine(text);
      expect(c.kind === 'badge' ? `badge:${c.number}` : c.kind === 'qr' ? `qr:${c.payload}` : 'pin').toBe(expected);
    });
  }

  it('honours a shorter badge length', () => {
    expect(classifyTypedLine('123456', 5).kind).toBe('qr');
  });
});
