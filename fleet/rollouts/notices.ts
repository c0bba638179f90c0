import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import type { AlertEngine } from '../alerts/engine.ts';
import type { AlertRepository, EventRepository } from '../store/repositories.ts';
import type { RolloutNotices } from './rollout-engine.ts';
import type { RolloutBoxRow } from './rollout-store.ts';

/** The alert rule of a halted rollout; its subject is the rollout id. */
export const ROLLOUT_HALTED_RULE = 'rollout-halted';

const FAILED = new Set(['failed', 'rolled-back']);

/** The box an alert about a halted rollout is filed under: the first one (by wave) that failed or rolled back. */
function culprit(boxes: readonly RolloutBoxRow[]): RolloutBoxRow | undefined {
  return [...boxes].sort((a, b) => a.wave - b.wave || a.lastChangeAt - b.lastChangeAt).find((b) => FAILED.has(b.state));
}

/**
 * RolloutNotices on the fleet's existing paths: a halted rollout opens a critical alert
 * through the AlertEngine (stored, shown with the other alerts, and notified by whatever
 * watches that path), filed under the first box that failed, with its coded reason; the
 * alert resolves when support resumes, retries or cancels. A completed rollout leaves a
 * `rollout.completed` event on each box that runs the release.
 */
export function rolloutNotices(o: { alerts: AlertEngine; openAlerts: Pick<AlertRepository, 'listOpen'>; events: EventRepository; clock: Clock }): RolloutNotices {
  return {
    async halted(r, reason, boxes) {
      const box = culprit(boxes) ?? boxes[0];
      if (!box) return;
      const why = box.lastError ? ` ${box.boxId}: ${box.lastError.code} ${box.lastError.message}` : '';
      await o.alerts.raiseExternal(
        { boxId: box.boxId, rule: ROLLOUT_HALTED_RULE, subject: r.id },
        { severity: 'critical', message: `rollout "${r.name}" to ${r.version} halted: ${reason}.${why}`.slice(0, 500), detail: { rolloutId: r.id, version: r.version, reason, failedBoxes: boxes.filter((b) => FAILED.has(b.state)).map((b) => ({ boxId: b.boxId, wave: b.wave + 1, error: b.lastError })) } },
      );
    },
    async settled(r) {
      for (const a of await o.openAlerts.listOpen()) if (a.rule === ROLLOUT_HALTED_RULE && a.subject === r.id) await o.alerts.resolveExternal({ boxId: a.boxId, rule: a.rule, subject: a.subject });
    },
    async completed(r, boxes) {
      const at = o.clock.now();
      for (const b of boxes) {
        if (b.state !== 'succeeded') continue;
        await o.events.insert(b.boxId, { eventId: `rollout-completed-${randomUUID()}`, at, kind: 'rollout.completed', severity: 'info', subject: r.id, data: { rolloutId: r.id, name: r.name, version: r.version, message: `rollout "${r.name}" completed: this box runs ${r.version}` } }, at);
      }
    },
  };
}
