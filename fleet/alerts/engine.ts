import type { Clock, TimerHandle } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { HealthMessage } from '../../protocol/mqtt/index.ts';
import type { Alert, AlertKey, AlertSeverity, FleetStore } from '../store/repositories.ts';
import { RULES, defaultThresholds, type AlertThresholds, type BoxSituation } from './rules.ts';

const TICK_SLICE = 200;

export interface AlertChange {
  readonly kind: 'opened' | 'resolved';
  readonly alert: Alert;
}

export interface AlertEngineOptions {
  readonly store: FleetStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly thresholds?: Partial<AlertThresholds>;
  /** Periodic evaluation of every box (time-based rules: offline for N, backlog age). */
  readonly tickMs?: number;
  readonly onChange?: (change: AlertChange) => void;
  /** False while boxes may still be reconnecting after the fleet's broker link came up (default: always settled). */
  readonly presenceSettled?: () => boolean;
}

/**
 * Opens and resolves alerts by itself: on every relevant input (ingest calls evaluate)
 * and on a periodic tick of the injected clock. The rules are pure (rules.ts); this class
 * only gathers each box's situation from the store and applies the outcome, keeping at
 * most one open alert per (box, rule, subject).
 */
export class AlertEngine {
  private readonly thresholds: AlertThresholds;
  private timer: TimerHandle | undefined;
  private ticking = false;
  private stopped = false;

  constructor(private readonly options: AlertEngineOptions) {
    this.thresholds = { ...defaultThresholds, ...options.thresholds };
  }

  start(): void {
    this.stopped = false;
    this.timer ??= this.options.clock.setInterval(() => void this.tick(), this.options.tickMs ?? 15_000);
  }

  stop(): void {
    this.stopped = true;
    this.options.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Evaluates every box that is active or still has open alerts, in slices of
   * TICK_SLICE boxes with the event loop free in between (thousands of boxes would
   * otherwise hold ingestion up for seconds). A tick still running skips the next one.
   */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const ids = new Set((await this.options.store.boxes.list({ status: 'active' })).map((b) => b.id));
      for (const a of await this.options.store.alerts.listOpen()) ids.add(a.boxId);
      const queue = [...ids];
      while (queue.length > 0 && !this.stopped) {
        for (const id of queue.splice(0, TICK_SLICE)) await this.evaluate(id);
        if (queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (e) {
      this.options.logger.error({ err: e, code: 'ALERTS_EVALUATION_FAILED' }, 'alert tick failed');
    } finally {
      this.ticking = false;
    }
  }

  /**
   * An alert another part of the fleet decides on (a halted rollout), on the same path as
   * the rules' own: one open alert per key, announced through onChange (notifications).
   * The rules' evaluation leaves it alone; resolveExternal closes it.
   */
  async raiseExternal(key: AlertKey, finding: { severity: AlertSeverity; message: string; detail: Record<string, unknown> }): Promise<Alert> {
    const r = await this.options.store.alerts.raise(key, finding, this.options.clock.now());
    if (r.opened) this.options.onChange?.({ kind: 'opened', alert: r.alert });
    return r.alert;
  }

  async resolveExternal(key: AlertKey): Promise<Alert | undefined> {
    const resolved = await this.options.store.alerts.resolve(key, this.options.clock.now());
    if (resolved) this.options.onChange?.({ kind: 'resolved', alert: resolved });
    return resolved;
  }

  async evaluate(boxId: string): Promise<void> {
    try {
      await this.evaluateUnsafe(boxId);
    } catch (e) {
      // An alerting bug must not stop ingestion; it is logged with its code.
      this.options.logger.error({ err: e, box: boxId, code: 'ALERTS_EVALUATION_FAILED' }, 'alert evaluation failed');
    }
  }

  private async evaluateUnsafe(boxId: string): Promise<void> {
    const s = await this.situation(boxId);
    if (!s) return;
    const { store, onChange } = this.options;
    const open = await store.alerts.listOpen(boxId);
    for (const [rule, evaluate] of Object.entries(RULES)) {
      const findings = evaluate(s, this.thresholds);
      if (findings === null) continue;
      const holding = new Set<string>();
      for (const f of findings) {
        holding.add(f.subject);
        const r = await store.alerts.raise({ boxId, rule, subject: f.subject }, { severity: f.severity, message: f.message, detail: f.detail }, s.now);
        if (r.opened) onChange?.({ kind: 'opened', alert: r.alert });
      }
      for (const a of open) {
        if (a.rule !== rule || holding.has(a.subject)) continue;
        const resolved = await store.alerts.resolve({ boxId, rule, subject: a.subject }, s.now);
        if (resolved) onChange?.({ kind: 'resolved', alert: resolved });
      }
    }
  }

  private async situation(boxId: string): Promise<BoxSituation | undefined> {
    const { store, clock } = this.options;
    const box = await store.boxes.get(boxId);
    if (!box) return undefined;
    const raw = await store.boxes.lastHealth(boxId);
    const health = raw ? { message: raw as unknown as HealthMessage, receivedAt: Number(raw.receivedAt) } : null;
    const printerConditions = new Map((await store.events.latestPerSubject(boxId, 'printer')).map((e) => [e.subject, { kind: e.kind, at: e.at }]));
    const clubRights = box.clubId ? ((await store.clubs.rightsVersion(box.clubId)) ?? null) : null;
    const backlogTrend = await store.health.recent(boxId, 'journal.backlog', this.thresholds.passBacklogGrowingReports);
    const devices = await store.devices.listByBox(boxId);
    const presenceSettled = this.options.presenceSettled?.() ?? true;
    return { now: clock.now(), box, health, devices, printerConditions, clubRights, backlogTrend, presenceSettled };
  }
}
