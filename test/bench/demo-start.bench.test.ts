import { describe, expect, it } from 'vitest';
import { startDemo, waitAllBoxesOnline } from '../support/demo-process.ts';

/*
 * `npm start` on this checkout, as a user runs it, to a dashboard with every box online:
 * seconds from the spawn to "3 boxes online" in the API, with socat pty links (the default
 * when socat is installed) and with TCP links (a machine without socat), agents in the demo
 * process (the default) and as child processes.
 * Prints the figures; asserts only that the boxes came online and nothing was left running.
 */
describe('npm start to a dashboard with live boxes', () => {
  const cases = [
    { agents: 'inline', links: 'auto' },
    { agents: 'inline', links: 'tcp' },
    { agents: 'process', links: 'auto' },
  ] as const;
  for (const { agents, links } of cases) {
    it(`agents=${agents} links=${links}`, async () => {
      const demo = await startDemo({ env: { RESABOX_DEMO_LINKS: links, RESABOX_DEMO_AGENTS: agents } });
      try {
        const printedS = (Date.now() - demo.startedAt) / 1000;
        const onlineS = await waitAllBoxesOnline(demo, 3);
        console.log(`demo-start agents=${agents} links=${links}: dashboard address printed after ${printedS.toFixed(1)} s, 3/3 boxes online after ${onlineS.toFixed(1)} s`);
      } finally {
        await demo.stop();
      }
      expect(demo.groupAlive()).toBe(false);
    });
  }
});
