import { describe, expect, it } from 'vitest';
import { startDemo, waitAllBoxesOnline } from '../support/demo-process.ts';

/*
 * `npm start` on this checkout, as a user runs it, to a dashboard with every box online:
 * seconds from the spawn to "3 boxes online" in the API, with socat pty links (the default
 * when socat is installed) and with TCP links (a machine without socat). Every box is a
 * compiled release under its launcher, as a child process.
 * Prints the figures; asserts only that the boxes came online and nothing was left running.
 */
describe('npm start to a dashboard with live boxes', () => {
  for (const links of ['auto', 'tcp'] as const) {
    it(`links=${links}`, async () => {
      const demo = await startDemo({ env: { RESABOX_DEMO_LINKS: links } });
      try {
        const printedS = (Date.now() - demo.startedAt) / 1000;
        const onlineS = await waitAllBoxesOnline(demo, 3);
        console.log(`demo-start links=${links}: dashboard address printed after ${printedS.toFixed(1)} s, 3/3 boxes online after ${onlineS.toFixed(1)} s`);
      } finally {
        await demo.stop();
      }
      expect(demo.groupAlive()).toBe(false);
    });
  }
});
