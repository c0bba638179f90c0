import type { Sql } from './sql.ts';

/** What the dashboard refetches when it changes. */
export type LiveTopic = 'boxes' | 'passes' | 'events' | 'alerts' | 'commands' | 'audit' | 'health' | 'rollouts' | 'config';

export const LIVE_TOPICS: readonly LiveTopic[] = ['boxes', 'health', 'passes', 'events', 'alerts', 'commands', 'audit', 'rollouts', 'config'];

/** A cheap fingerprint per topic: when it differs from the last one read, that topic changed. */
export interface LiveProbe {
  probe(): Promise<Map<LiveTopic, unknown>>;
}

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
  rollouts: "SELECT (SELECT count(*) || ':' || max(updated_at) FROM rollouts) || ':' || (SELECT max(last_change_at) FROM rollout_boxes) || ':' || (SELECT max(rowid) FROM update_artifacts) AS v",
  // A box's config/reported, or a desired configuration set.
  config: "SELECT (SELECT max(coalesce(config_reported_at, 0)) FROM boxes) || ':' || (SELECT count(*) || ':' || max(set_at) FROM config_desired) AS v",
};

/** SQLite's probe: one cheap query per topic. */
export class SqliteLiveProbe implements LiveProbe {
  constructor(private readonly sql: Sql) {}

  async probe(): Promise<Map<LiveTopic, unknown>> {
    const out = new Map<LiveTopic, unknown>();
    for (const t of LIVE_TOPICS) out.set(t, (await this.sql.get<{ v: unknown }>(PROBES[t]))?.v ?? null);
    return out;
  }
}
