import type Database from 'better-sqlite3';
import type { Clock, TimerHandle } from '../../platform/clock.ts';

/** What the dashboard refetches when it changes. */
export type LiveTopic = 'boxes' | 'passes' | 'events' | 'alerts' | 'commands' | 'audit' | 'health' | 'rollouts' | 'config';

const PROBES: Record<LiveTopic, string> = {
  // Cheap probes: rowid maxima are O(1); the small tables (boxes, alerts, commands) are scanned.
  boxes: 'SELECT count(*) || \':\' || sum(online) || \':\' || max(coalesce(online_changed_at, 0)) || \':\' || group_concat(coalesce(agent_version, \'\')) AS v FROM boxes',
  health: "SELECT max(updated_at) || ':' || max(coalesce(l.last_seen_at, 0)) AS v FROM devices, (SELECT max(last_seen_at) AS last_seen_at FROM boxes) l",
  passes: 'SELECT max(rowid) AS v FROM passes',
  events: 'SELECT max(id) AS v FROM events',
  alerts: 'SELECT count(*) || \':\' || max(updated_at) AS v FROM alerts',
  commands: 'SELECT count(*) || \':\' || max(updated_at) AS v FROM commands',
  audit: 'SELECT max(id) AS v FROM audit_log',
  // A rollout's state or any of its boxes' steps.
  // A box's config/reported, or a desired configuration set.
  config: "SELECT (SELECT max(coalesce(config_reported_at, 0)) FROM boxes) || ':' || (SELECT count(*) || ':' || max(set_at) FROM config_desired) AS v",
  rollouts: "SELECT (SELECT count(*) || ':' || max(updated_at) FROM rollouts) || ':' || (SELECT max(last_change_at) FROM rollout_boxes) || ':' || (SELECT max(rowid) FROM update_artifacts) AS v",
};

type Listener = (topics: LiveTopic[]) => void;

/**
 * Tells the dashboards what changed in the store, so that they refetch only that. It probes
 * the store once a period while at least one dashboard listens, and is idle otherwise.
 * Probing the store (rather than relaying MQTT) means a notified change is already
 * readable through the API.
 */
export class LiveChanges {
  private readonly listeners = new Set<Listener>();
  private readonly statements: [LiveTopic, Database.Statement][];
  private last = new Map<LiveTopic, unknown>();
  private timer: TimerHandle | undefined;

  constructor(
    db: Database.Database,
    private readonly clock: Clock,
    private readonly periodMs = 1000,
  ) {
    this.statements = (Object.keys(PROBES) as LiveTopic[]).map((t) => [t, db.prepare(PROBES[t])]);
  }

  subscribe(listener: Listener): () => void {
    if (this.listeners.size === 0) {
      this.last = this.probe();
      this.timer = this.clock.setInterval(() => this.tick(), this.periodMs);
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  private probe(): Map<LiveTopic, unknown> {
    return new Map(this.statements.map(([t, s]) => [t, (s.get() as { v: unknown } | undefined)?.v ?? null]));
  }

  private tick(): void {
    const now = this.probe();
    const changed = [...now].filter(([t, v]) => this.last.get(t) !== v).map(([t]) => t);
    this.last = now;
    if (changed.length === 0) return;
    for (const l of [...this.listeners]) l(changed);
  }
}
