import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODULE_WATCHDOG } from '../../demo/club-box.ts';
import { demoApi, startDemo, waitAllBoxesOnline, type DemoProcess } from '../support/demo-process.ts';

type Pass = { boxId: string; granted: boolean; reason: string };
type Device = { deviceId: string; detail: { moduleWatchdog?: string; moduleWatchdogMs?: number | null } | null };

/*
 * `npm start` on a machine without socat: RESABOX_DEMO_LINKS=tcp joins every driver to its
 * simulator over TCP through the same Transport interface. The boxes come online, members'
 * badges become passes (granted and refused) in the fleet, and Ctrl-C leaves nothing behind.
 */
describe('npm start with TCP device links (no socat)', () => {
  let demo: DemoProcess;

  beforeAll(async () => {
    demo = await startDemo({ env: { RESABOX_DEMO_LINKS: 'tcp', RESABOX_DEMO_ACTIVITY_MS: '300' } });
  }, 180_000);

  afterAll(async () => {
    if (!demo) return;
    await demo.stop();
    // npm itself reports the SIGINT in its exit code; the demo must have stopped cleanly.
    expect(demo.output()).toContain('demo stopped');
    expect(demo.groupAlive()).toBe(false);
  }, 120_000);

  it('says it uses TCP links and brings the three boxes online', async () => {
    expect(demo.output()).toContain('device links over TCP');
    await waitAllBoxesOnline(demo, 3);
  }, 240_000);

  it("arms every turnstile module's communication watchdog, so a dead agent's relays drop", async () => {
    await waitAllBoxesOnline(demo, 3);
    const { boxes } = await demoApi<{ boxes: { id: string }[] }>(demo, '/v1/boxes?status=active');
    const deadline = Date.now() + 60_000;
    for (const { id } of boxes) {
      let turnstiles: Device[] = [];
      for (;;) {
        const { devices } = await demoApi<{ devices: Device[] }>(demo, `/v1/boxes/${id}`);
        turnstiles = devices.filter((d) => d.deviceId.startsWith('turnstile-'));
        if (turnstiles.length === 3 && turnstiles.every((d) => d.detail?.moduleWatchdog === 'armed')) break;
        if (Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(turnstiles.map((d) => [d.deviceId, d.detail?.moduleWatchdog, d.detail?.moduleWatchdogMs]).sort()).toEqual([
        ['turnstile-entry', 'armed', DEMO_MODULE_WATCHDOG.timeoutMs],
        ['turnstile-exit', 'armed', DEMO_MODULE_WATCHDOG.timeoutMs],
        ['turnstile-pmr', 'armed', DEMO_MODULE_WATCHDOG.timeoutMs],
      ]);
    }
  }, 120_000);

  it('turns simulated members into granted and refused passes stored by the fleet', async () => {
    const deadline = Date.now() + 120_000;
    let passes: Pass[] = [];
    while (Date.now() < deadline) {
      ({ passes } = await demoApi<{ passes: Pass[] }>(demo, '/v1/passes?limit=5000'));
      if (passes.some((p) => p.granted) && passes.some((p) => !p.granted)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(passes.some((p) => p.granted && p.reason === 'granted')).toBe(true);
    expect(passes.some((p) => !p.granted && ['unknown-credential', 'outside-validity', 'no-access-right'].includes(p.reason))).toBe(true);
  }, 180_000);
});
