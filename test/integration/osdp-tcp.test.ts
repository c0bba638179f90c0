import { afterAll, describe, expect, it } from 'vitest';
import { OsdpControlPanel } from '../../agent/devices/osdp/control-panel.ts';
import type { CredentialPresented } from '../../agent/devices/reader.ts';
import { TcpTransport } from '../../agent/transport/tcp.ts';
import { SimulatedOsdpBus } from '../../firmware-sim/osdp/bus.ts';
import { SimulatedPd } from '../../firmware-sim/osdp/pd.ts';
import { listenTcpLink } from '../../firmware-sim/links.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { fromHex } from '../../protocol/core/index.ts';

/** OSDP behind a serial-to-Ethernet converter: the CP over TcpTransport, the simulated reader on a TCP listener. */
describe('OSDP over TCP', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterAll(async () => cleanup?.());

  it('sets up the secure channel and delivers a card read', async () => {
    const link = await listenTcpLink(0);
    const bus = new SimulatedOsdpBus(link, [new SimulatedPd({ address: 5, scbk: fromHex('0f0e0d0c0b0a09080706050403020100') })]);
    const cp = new OsdpControlPanel({
      transport: new TcpTransport('127.0.0.1', link.port),
      clock: systemClock,
      logger: silentLogger,
      readers: [{ id: 'gate', address: 5, scbk: fromHex('0f0e0d0c0b0a09080706050403020100') }],
    });
    cleanup = async () => {
      await cp.stop();
      bus.detach();
      await link.close();
    };
    const seen: CredentialPresented[] = [];
    cp.reader('gate').onCredential((e) => seen.push(e));
    await cp.start();
    const deadline = Date.now() + 8000;
    while (!(cp.reader('gate').status().state === 'online' && cp.reader('gate').status().detail?.secureChannel)) {
      if (Date.now() > deadline) throw new Error(`reader not online: ${JSON.stringify(cp.reader('gate').status())}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    bus.reader(5).presentCard(200, 12345, 'wiegand34');
    while (seen.length === 0) {
      if (Date.now() > deadline) throw new Error('no credential');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen[0]?.credential).toEqual({ kind: 'badge', number: String(200 * 65536 + 12345), raw: expect.stringMatching(/^34:/), format: 'wiegand34' });
  });
});
