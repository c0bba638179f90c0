import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Alert } from './repositories.ts';
import { toAlert, type AlertTableRow } from './sqlite-alerts.ts';

export type SilenceScope = 'box' | 'rule' | 'club';
export type Channel = 'webhook' | 'email';
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface AlertHandling {
  /** The club of the alert's box. */
  clubId: string | null;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  ackNote: string | null;
  assignee: string | null;
}

export interface Silence {
  id: number;
  scope: SilenceScope;
  target: string;
  until: number;
  note: string | null;
  createdBy: string;
  createdAt: number;
}

export interface Subscription {
  id: string;
  channel: Channel;
  /** A URL (webhook) or an e-mail address. */
  target: string;
  /** HMAC key of a webhook; never shown back. */
  secret: string | null;
  /** Whose subscription it is (a role's on-call address); informative. */
  role: string | null;
  /** Only the alerts of this club's boxes; null: every club. */
  clubId: string | null;
  createdAt: number;
}

export interface Delivery {
  id: number;
  alertId: number;
  subscriptionId: string;
  channel: Channel;
  target: string;
  status: DeliveryStatus;
  attempts: number;
  nextAt: number;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

const toSilence = (r: Record<string, unknown>): Silence => ({ id: r.id as number, scope: r.scope as SilenceScope, target: r.target as string, until: r.until as number, note: (r.note as string | null) ?? null, createdBy: r.created_by as string, createdAt: r.created_at as number });
const toSubscription = (r: Record<string, unknown>): Subscription => ({ id: r.id as string, channel: r.channel as Channel, target: r.target as string, secret: (r.secret as string | null) ?? null, role: (r.role as string | null) ?? null, clubId: (r.club_id as string | null) ?? null, createdAt: r.created_at as number });
const toDelivery = (r: Record<string, unknown>): Delivery => ({
  id: r.id as number,
  alertId: r.alert_id as number,
  subscriptionId: r.subscription_id as string,
  channel: r.channel as Channel,
  target: r.target as string,
  status: r.status as DeliveryStatus,
  attempts: r.attempts as number,
  nextAt: r.next_at as number,
  lastError: (r.last_error as string | null) ?? null,
  createdAt: r.created_at as number,
  deliveredAt: (r.delivered_at as number | null) ?? null,
});

/**
 * What people do with alerts, and who hears of them: acknowledgement, assignment,
 * silences, notification subscriptions and deliveries (migration 300). Methods are async,
 * like the store's other repositories are becoming.
 */
export class AlertDesk {
  constructor(private readonly db: Database.Database) {}

  async handling(ids: readonly number[]): Promise<Map<number, AlertHandling>> {
    if (ids.length === 0) return new Map();
    const rows = this.db.prepare(`SELECT a.id, a.acknowledged_at, a.acknowledged_by, a.ack_note, a.assignee, b.club_id FROM alerts a JOIN boxes b ON b.id = a.box_id WHERE a.id IN (${ids.map(() => '?').join(',')})`).all(...ids) as Record<string, unknown>[];
    return new Map(rows.map((r) => [r.id as number, { clubId: (r.club_id as string | null) ?? null, acknowledgedAt: (r.acknowledged_at as number | null) ?? null, acknowledgedBy: (r.acknowledged_by as string | null) ?? null, ackNote: (r.ack_note as string | null) ?? null, assignee: (r.assignee as string | null) ?? null }]));
  }

  /** The alert with its box's club, or undefined when there is no such alert. */
  async alertWithClub(id: number): Promise<{ alert: Alert; clubId: string | null } | undefined> {
    const r = this.db.prepare('SELECT a.*, b.club_id FROM alerts a JOIN boxes b ON b.id = a.box_id WHERE a.id = ?').get(id) as (AlertTableRow & { club_id: string | null }) | undefined;
    return r && { alert: toAlert(r), clubId: r.club_id };
  }

  async acknowledge(id: number, by: string, note: string | null, at: number): Promise<boolean> {
    return this.db.prepare('UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?, ack_note = ?, updated_at = ? WHERE id = ?').run(at, by, note, at, id).changes === 1;
  }

  async assign(id: number, assignee: string | null, at: number): Promise<boolean> {
    return this.db.prepare('UPDATE alerts SET assignee = ?, updated_at = ? WHERE id = ?').run(assignee, at, id).changes === 1;
  }

  async addSilence(s: Omit<Silence, 'id'>): Promise<Silence> {
    const id = Number(this.db.prepare('INSERT INTO alert_silences (scope, target, until, note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(s.scope, s.target, s.until, s.note, s.createdBy, s.createdAt).lastInsertRowid);
    return { ...s, id };
  }

  async activeSilences(now: number): Promise<Silence[]> {
    return (this.db.prepare('SELECT * FROM alert_silences WHERE until > ? ORDER BY until').all(now) as Record<string, unknown>[]).map(toSilence);
  }

  /** Ends a silence now; false when it was not active. */
  async endSilence(id: number, now: number): Promise<boolean> {
    return this.db.prepare('UPDATE alert_silences SET until = ? WHERE id = ? AND until > ?').run(now, id, now).changes === 1;
  }

  /** The active silence covering an alert of this box, rule and club, if any. */
  async silenceFor(a: { boxId: string; rule: string; clubId: string | null }, now: number): Promise<Silence | undefined> {
    const r = this.db
      .prepare("SELECT * FROM alert_silences WHERE until > ? AND ((scope = 'box' AND target = ?) OR (scope = 'rule' AND target = ?) OR (scope = 'club' AND target = ?)) ORDER BY until DESC LIMIT 1")
      .get(now, a.boxId, a.rule, a.clubId ?? '') as Record<string, unknown> | undefined;
    return r && toSilence(r);
  }

  async addSubscription(s: Omit<Subscription, 'id'>): Promise<Subscription> {
    const id = `sub_${randomBytes(8).toString('hex')}`;
    this.db.prepare('INSERT INTO notification_subscriptions (id, channel, target, secret, role, club_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(id, s.channel, s.target, s.secret, s.role, s.clubId, s.createdAt);
    return { ...s, id };
  }

  async subscriptions(): Promise<Subscription[]> {
    return (this.db.prepare('SELECT * FROM notification_subscriptions ORDER BY created_at, id').all() as Record<string, unknown>[]).map(toSubscription);
  }

  async removeSubscription(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM notification_subscriptions WHERE id = ?').run(id).changes === 1;
  }

  /** Queues the one notification of this alert for each matching subscription; an existing one is left alone. Returns how many were queued now. */
  async enqueue(alertId: number, clubId: string | null, at: number): Promise<number> {
    return this.db
      .prepare("INSERT OR IGNORE INTO notification_deliveries (alert_id, subscription_id, status, next_at, created_at) SELECT ?, id, 'pending', ?, ? FROM notification_subscriptions WHERE club_id IS NULL OR club_id = ?")
      .run(alertId, at, at, clubId ?? '').changes;
  }

  async due(now: number, limit: number): Promise<Delivery[]> {
    return (
      this.db
        .prepare("SELECT d.*, s.channel, s.target FROM notification_deliveries d JOIN notification_subscriptions s ON s.id = d.subscription_id WHERE d.status = 'pending' AND d.next_at <= ? ORDER BY d.next_at, d.id LIMIT ?")
        .all(now, limit) as Record<string, unknown>[]
    ).map(toDelivery);
  }

  async subscription(id: string): Promise<Subscription | undefined> {
    const r = this.db.prepare('SELECT * FROM notification_subscriptions WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return r && toSubscription(r);
  }

  async delivered(id: number, at: number): Promise<void> {
    this.db.prepare("UPDATE notification_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE id = ?").run(at, id);
  }

  /** A failed attempt: retried at `nextAt`, or failed for good when `nextAt` is null. */
  async attemptFailed(id: number, error: string, nextAt: number | null): Promise<void> {
    this.db.prepare('UPDATE notification_deliveries SET attempts = attempts + 1, last_error = ?, status = ?, next_at = coalesce(?, next_at) WHERE id = ?').run(error.slice(0, 500), nextAt === null ? 'failed' : 'pending', nextAt, id);
  }

  async deliveries(f: { status?: DeliveryStatus; alertId?: number; limit: number }): Promise<Delivery[]> {
    return (
      this.db
        .prepare(`SELECT d.*, s.channel, s.target FROM notification_deliveries d JOIN notification_subscriptions s ON s.id = d.subscription_id WHERE (? IS NULL OR d.status = ?) AND (? IS NULL OR d.alert_id = ?) ORDER BY d.id DESC LIMIT ?`)
        .all(f.status ?? null, f.status ?? null, f.alertId ?? null, f.alertId ?? null, f.limit) as Record<string, unknown>[]
    ).map(toDelivery);
  }

  /** Sends a failed delivery again from the first attempt. */
  async retry(id: number, now: number): Promise<boolean> {
    return this.db.prepare("UPDATE notification_deliveries SET status = 'pending', attempts = 0, next_at = ? WHERE id = ? AND status = 'failed'").run(now, id).changes === 1;
  }
}
