import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OsdpControlPanel } from '../../agent/devices/osdp/control-panel.ts';
import type { DeviceStatus } from '../../agent/devices/device.ts';
import type { CredentialPresented } from '../../agent/devices/reader.ts';
import { SerialTransport } from '../../agent/transport/serial.ts';
import { SimulatedOsdpBus } from '../../firmware-sim/osdp/bus.ts';
import { PD_PROFILES, SimulatedPd } from '../../firmware-sim/osdp/pd.ts';
import { openSerialLink, type ClosableLink } from '../../firmware-sim/links.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { fromHex, toHex } from '../../protocol/core/index.ts';
import { startPtyPair, type PtyPair } from '../support/socat.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The control panel against the reader behaviours seen in the field, over a real tty (socat
 * pty pair), all on one bus as a multi-drop line would have them:
 *   1 spec keypad ('*' 0x7F, '#' 0x0D)          5 BUSY with sequence 0
 *   2 answers SCBK-D with its own key (the install key)   6 the same with a key the box does not know
 *   3 requires the secure channel, no key configured      7 every lenient habit (ASCII keys, NAK to SCBK-D, BUSY with the command's sequence)
 *   4 requires the secure channel, key configured
 */
const K2 = fromHex('202122232425262728292a2b2c2d2e2f');
const K4 = fromHex('404142434445464748494a4b4c4d4e4f');
const K6 = fromHex('606162636465666768696a6b6c6d6e6f');
const K7 = fromHex('707172737475767778797a7b7c7d7e7f');

describe('OSDP field behaviours over a pty: one bus, one simulated reader per behaviour', () => {
  let pty: PtyPair;
  let link: ClosableLink;
  let bus: SimulatedOsdpBus;
  let cp: OsdpControlPanel;
  const credentials: CredentialPresented[] = [];
  const statuses = new Map<string, DeviceStatus[]>();
  const installed: string[] = [];
  const status = (id: string) => cp.reader(id).status();

  beforeAll(async () => {
    pty = await startPtyPair();
    link = await openSerialLink(pty.b, 115200);
    bus = new SimulatedOsdpBus(link, [
      new SimulatedPd({ address: 1, behaviour: PD_PROFILES.spec }),
      new SimulatedPd({ address: 2, scbk: K2, behaviour: PD_PROFILES.spec }),
      new SimulatedPd({ address: 3, scbk: K4, behaviour: PD_PROFILES['secure-only'] }),
      new SimulatedPd({ address: 4, scbk: K4, behaviour: PD_PROFILES['secure-only'] }),
      new SimulatedPd({ address: 5, behaviour: PD_PROFILES.spec }),
      new SimulatedPd({ address: 6, scbk: K6, behaviour: PD_PROFILES.spec }),
      new SimulatedPd({ address: 7, scbk: K7, behaviour: PD_PROFILES.lenient }),
    ]);
    cp = new OsdpControlPanel({
      transport: new SerialTransport({ path: pty.a, baudRate: 115200 }),
      clock: systemClock,
      logger: silentLogger,
      // A loaded test machine may answer late: a wider reply window keeps a slow turn from counting as a failure.
      timing: { replyTimeoutMs: 600, secureRetryMs: 600 },
      readers: [
        { id: 'keypad', address: 1 },
        { id: 'own-key', address: 2, installKey: K2 },
        { id: 'secure-only', address: 3 },
        { id: 'secure-keyed', address: 4, scbk: K4 },
        { id: 'busy', address: 5 },
        { id: 'foreign-key', address: 6, installKey: K2 },
        { id: 'lenient', address: 7, installKey: K7 },
      ],
    });
    cp.onKeyInstalled((id, key) => installed.push(`${id}:${toHex(key)}`));
    for (const r of cp.readers) {
      statuses.set(r.id, []);
      r.onCredential((e) => credentials.push(e));
      r.onStatus((s) => statuses.get(r.id)?.push(s));
    }
    await cp.start();
    await waitFor(() => ['keypad', 'own-key', 'secure-keyed', 'busy', 'lenient'].every((id) => status(id).state === 'online'), 15_000, 'the readers that can be online');
  }, 30_000);

  afterAll(async () => {
    await cp?.stop();
    bus?.detach();
    await link?.close();
    await pty?.stop();
  });

  const pinsOf = (id: string) => credentials.filter((c) => c.readerId === id).map((c) => (c.credential.kind === 'pin' ? c.credential.pin : c.credential.kind));

  it('keypad with the spec codes: "12*90#" is PIN 90', async () => {
    bus.reader(1).typePin('12*90#');
    await waitFor(() => pinsOf('keypad').length > 0, 5000, 'a PIN');
    expect(pinsOf('keypad')).toEqual(['90']);
  });

  it('a reader answering SCBK-D with its own key, which is the install key: online over the secure channel without KEYSET, key reported for storage', () => {
    expect(status('own-key')).toMatchObject({ state: 'online', detail: { condition: 'online', secureChannel: true } });
    expect(bus.reader(2).commandLog).not.toContain('keyset');
    expect(installed).toContain(`own-key:${toHex(K2)}`);
  });

  it('a reader answering with a key the box does not know: key mismatch, reached once, and the message says the reader used its own key', async () => {
    await waitFor(() => bus.reader(6).commandLog.filter((c) => c === 'chlng').length >= 3, 10_000, 'two retries of the set-up');
    expect(status('foreign-key')).toMatchObject({ state: 'degraded', lastError: { code: 'OSDP_SC_KEY_MISMATCH', message: expect.stringMatching(/own key \(SCBK\), which is not the install key/) }, detail: { condition: 'key-mismatch' } });
    expect(statuses.get('foreign-key')?.map((s) => s.detail?.condition)).toEqual(['starting', 'key-mismatch']);
  });

  it('a reader that requires the secure channel and has no key configured: "secure channel required", reached once, polled only at the retry pace', async () => {
    await waitFor(() => bus.reader(3).commandLog.filter((c) => c === 'id').length >= 3, 10_000, 'two retries');
    expect(status('secure-only')).toMatchObject({ state: 'degraded', lastError: { code: 'OSDP_SC_REQUIRED' }, detail: { condition: 'sc-required', secureChannel: false } });
    expect(statuses.get('secure-only')?.map((s) => s.detail?.condition)).toEqual(['starting', 'sc-required']);
    const log = bus.reader(3).commandLog;
    expect(log.filter((c) => c === 'poll').length).toBeLessThanOrEqual(log.filter((c) => c === 'id').length);
  });

  it('the same reader with its key configured reads cards over the secure channel', async () => {
    expect(status('secure-keyed').detail).toMatchObject({ condition: 'online', secureChannel: true });
    bus.reader(4).presentCard(4, 44);
    await waitFor(() => pinsOf('secure-keyed').length > 0, 5000, 'a card');
    expect(credentials.find((c) => c.readerId === 'secure-keyed')?.credential).toMatchObject({ kind: 'badge', number: String(4 * 65536 + 44) });
  });

  it('BUSY with sequence 0, twelve times in a row: the reader stays online and its card arrives', async () => {
    bus.reader(5).answerBusy(12);
    bus.reader(5).presentCard(5, 55);
    await waitFor(() => pinsOf('busy').length > 0, 8000, 'a card after the BUSY answers');
    expect(statuses.get('busy')?.map((s) => s.state)).toEqual(['starting', 'online']);
  });

  it('the lenient reader (ASCII keys, NAK to SCBK-D, BUSY with the command sequence) works too', async () => {
    expect(status('lenient').detail).toMatchObject({ condition: 'online', secureChannel: true });
    bus.reader(7).answerBusy(3);
    bus.reader(7).typePin('7*34#');
    await waitFor(() => pinsOf('lenient').length > 0, 8000, 'a PIN');
    expect(pinsOf('lenient')).toEqual(['34']);
  });
});
