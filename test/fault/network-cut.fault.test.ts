/**
 * Fault test (not part of `npm test`: it lasts over 4 minutes; `npm run test:fault`): 20
 * boxes journal passes while their network is cut for 3 minutes (FAULT_CUT_S), each through
 * its own TCP proxy that the test stops and restarts. Each box runs the real agent parts
 * (journal, lanes, uplink with the agent's default backoff) against the fleet's embedded
 * broker. After the restore, every backlog must be delivered within 30 s, and the fleet
 * must hold every pass exactly once, in seq order. Prints the delivery times.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF } from '../../agent/uplink/backoff.ts';
import { systemClock } from '../../platform/clock.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { enrollOn, startE2eBox, startFleetAt, storedPasses, trafficPass, until, type E2eBox } from '../support/uplink-e2e.ts';
import { percentiles } from '../bench/percentiles.ts';

const BOXES = Number(process.env.FAULT_BOXES ?? 20);
const CUT_S = Number(process.env.FAULT_CUT_S ?? 180);
const GOAL_S = 30;
const root = mkdtempSync(join(tmpdir(), 'network-cut-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe(`network cut of ${BOXES} boxes`, () => {
  it(`every backlog is delivered within ${GOAL_S} s of the restore, no pass lost or duplicated`, async () => {
    // 20 enrollments in a row from one address: above the default enrollment rate limit.
    const fleet = await startFleetAt(join(root, 'fleet'), 0, { enrollmentRateLimit: { perKey: 1000, total: 1000, windowMs: 60_000 } });
    const brokerPort = Number(new URL(fleet.mqttUrl).port);
    const boxes: { id: string; box: E2eBox; proxy: TcpProxy; n: number; stopped?: boolean }[] = [];
    let traffic: NodeJS.Timeout | undefined;
    try {
      for (let i = 0; i < BOXES; i++) {
        const id = `cut-${String(i + 1).padStart(2, '0')}`;
        const password = await enrollOn(fleet, id, 'club-cut');
        const proxy = new TcpProxy('127.0.0.1', brokerPort);
        await proxy.restore();
        const box = await startE2eBox({ dir: join(root, id), boxId: id, url: `mqtt://127.0.0.1:${proxy.port}`, password, clock: systemClock, backoff: DEFAULT_BACKOFF });
        boxes.push({ id, box, proxy, n: 0 });
      }
      // Each box journals a pass every second, before, during and after the cut.
      traffic = setInterval(() => {
        for (const b of boxes) void b.box.box.journal.append(trafficPass(++b.n));
      }, 1000);
      await until(() => (boxes.every((b) => b.box.uplink.connected && b.box.box.journal.stats().ackedSeq >= 3) ? true : undefined), 'every box connected and delivering', 120_000);

      await Promise.all(boxes.map((b) => b.proxy.cut()));
      const cutAt = Date.now();
      await until(() => (boxes.every((b) => !b.box.uplink.connected) ? true : undefined), 'every box seeing its link gone');
      const ackedAtCut = boxes.map((b) => b.box.box.journal.stats().ackedSeq);
      await new Promise((r) => setTimeout(r, Math.max(0, cutAt + CUT_S * 1000 - Date.now())));
      // Nothing went through during the cut.
      expect(boxes.map((b) => b.box.box.journal.stats().ackedSeq)).toEqual(ackedAtCut);

      await Promise.all(boxes.map((b) => b.proxy.restore()));
      const restoredAt = Date.now();
      const backlogAtRestore = boxes.map((b) => b.box.box.journal.stats().lastSeq);
      const deliveredAfterS: number[] = new Array(boxes.length).fill(-1);
      await until(
        () => {
          boxes.forEach((b, i) => {
            if (deliveredAfterS[i] === -1 && b.box.box.journal.stats().ackedSeq >= (backlogAtRestore[i] as number)) deliveredAfterS[i] = (Date.now() - restoredAt) / 1000;
          });
          return deliveredAfterS.every((s) => s >= 0) ? true : undefined;
        },
        'every backlog delivered after the restore',
        300_000,
      );
      clearInterval(traffic);
      traffic = undefined;
      for (const b of boxes) b.box.box.journal.flush();
      await until(() => (boxes.every((b) => b.box.box.journal.stats().ackedSeq === b.box.box.journal.stats().lastSeq) ? true : undefined), 'every pass acknowledged', 120_000);

      const [p50, p95, max] = percentiles(deliveredAfterS, [50, 95, 100]) as [number, number, number];
      const backlogs = boxes.map((b, i) => (backlogAtRestore[i] as number) - (ackedAtCut[i] as number));
      console.log(
        [
          `network cut: ${BOXES} boxes, network cut ${CUT_S} s (measured ${((restoredAt - cutAt) / 1000).toFixed(1)} s), a pass a second per box, agent backoff ${DEFAULT_BACKOFF.baseMs} ms first window, ${DEFAULT_BACKOFF.capMs / 1000} s cap`,
          `backlog per box at the restore: min ${Math.min(...backlogs)}, max ${Math.max(...backlogs)} passes`,
          `backlog delivered after the restore (s): p50 ${p50.toFixed(1)}, p95 ${p95.toFixed(1)}, max ${max.toFixed(1)}`,
          `per box (s): ${boxes.map((b, i) => `${b.id} ${(deliveredAfterS[i] as number).toFixed(1)}`).join(', ')}`,
        ].join('\n'),
      );
      for (const b of boxes) {
        const total = b.box.box.journal.stats().lastSeq;
        b.stopped = true;
        await b.box.stop();
        expect(storedPasses(join(root, 'fleet', 'fleet.db'), b.id), b.id).toEqual({ count: total, distinct: total, minSeq: 1, maxSeq: total, inOrder: true });
      }
      expect(Math.max(...deliveredAfterS), `every backlog within ${GOAL_S} s of the restore`).toBeLessThanOrEqual(GOAL_S);
    } finally {
      if (traffic) clearInterval(traffic);
      for (const b of boxes) await b.proxy.cut();
      await Promise.allSettled(boxes.filter((b) => !b.stopped).map((b) => b.box.stop()));
      await fleet.close();
    }
  });
});
