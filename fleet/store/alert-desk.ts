import { randomBytes } from 'node:crypto';
import { toAlert, type AlertTableRow } from './alerts.ts';
import type { Alert } from './repositories.ts';
import type { Sql } from './sql.ts';
import { Where } from './where.ts';

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
 * silences, notification subscriptions and deliveries (migration 300). A repository of the
 * store like the others, so that every engine implements it and a transaction's `tx` has it.
 */
export interface AlertDesk {
  handling(ids: readonly number[]): Promise<Map<number, AlertHandling>>;
  /** The alert with its box's club, or undefined when there is no such alert. */
  alertWithClub(id: number): Promise<{ alert: Alert; clubId: string | null } | undefined>;
  /** False when there is no such alert. */
  acknowledge(id: number, by: string, note: string | null, at: number): Promise<boolean>;
  assign(id: number, assignee: string | null, at: number): Promise<boolean>;
  addSilence(s: Omit<Silence, 'id'>): Promise<Silence>;
  activeSilences(now: number): Promise<Silence[]>;
  /** Ends a silence now; false when it was not active. */
  endSilence(id: number, now: number): Promise<boolean>;
  /** The active silence covering an alert of this box, rule and club, if any (the longest). */
  silenceFor(a: { boxId: string; rule: string; clubId: string | null }, now: number): Promise<Silence | undefined>;
  addSubscription(s: Omit<Subscription, 'id'>): Promise<Subscription>;
  subscriptions(): Promise<Subscription[]>;
  subscription(id: string): Promise<Subscription | undefined>;
  removeSubscription(id: string): Promise<boolean>;
  /** Queues the one notification of this alert for each matching subscription; an existing one is left alone. Returns how many were queued now. */
  enqueue(alertId: number, clubId: string | null, at: number): Promise<number>;
  /** Pending deliveries whose time has come, oldest first. */
  due(now: number, limit: number): Promise<Delivery[]>;
  delivered(id: number, at: number): Promise<void>;
  /** A failed attempt: retried at `nextAt`, or failed for good when `nextAt` is null. */
  attemptFailed(id: number, error: string, nextAt: number | null): Promise<void>;
  /** Newest first. */
  deliveries(f: { status?: DeliveryStatus; alertId?: number; limit: number }): Promise<Delivery[]>;
  /** Sends a failed delivery again from the first attempt; false when it had not failed. */
  retry(id: number, now: number): Promise<boolean>;
}

/** The alert desk on the Sql seam: SQLite and PostgreSQL alike. */
export class SqlAlertDesk implements AlertDesk {
  constructor(private readonly sql: Sql) {}

  async handling(ids: readonly number[]): Promise<Map<number, AlertHandling>> {
    if (ids.length === 0) return new Map();
    const rows = await this.sql.all<Record<string, unknown>>(`SELECT a.id, a.acknowledged_at, a.acknowledged_by, a.ack_note, a.assignee, b.club_id FROM alerts a JOIN boxes b ON b.id = a.box_id WHERE a.id IN (${ids.map(() => '?').join(',')})`, ids);
    return new Map(rows.map((r) => [r.id as number, { clubId: (r.club_id as string | null) ?? null, acknowledgedAt: (r.acknowledged_at as number | null) ?? null, acknowledgedBy: (r.acknowledged_by as string | null) ?? null, ackNote: (r.ack_note as string | null) ?? null, assignee: (r.assignee as string | null) ?? null }]));
  }

  async alertWithClub(id: number): Promise<{ alert: Alert; clubId: string | null } | undefined> {
    const r = await this.sql.get<AlertTableRow & { club_id: string | null }>('SELECT a.*, b.club_id FROM alerts a JOIN boxes b ON b.id = a.box_id WHERE a.id = ?', [id]);
    return r && { alert: toAlert(r), clubId: r.club_id };
  }

  async acknowledge(id: number, by: string, note: string | null, at: number): Promise<boolean> {
    return (await this.sql.run('UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?, ack_note = ?, updated_at = ? WHERE id = ?', [at, by, note, at, id])) === 1;
  }

  async assign(id: number, assignee: string | null, at: number): Promise<boolean> {
    return (await this.sql.run('UPDATE alerts SET assignee = ?, updated_at = ? WHERE id = ?', [assignee, at, id])) === 1;
  }

  async addSilence(s: Omit<Silence, 'id'>): Promise<Silence> {
    const r = await this.sql.get<{ id: number }>('INSERT INTO alert_silences (scope, target, until, note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id', [s.scope, s.target, s.until, s.note, s.createdBy, s.createdAt]);
    return { ...s, id: Number(r?.id) };
  }

  async activeSilences(now: number): Promise<Silence[]> {
    return (await this.sql.all<Record<string, unknown>>('SELECT * FROM alert_silences WHERE until > ? ORDER BY until', [now])).map(toSilence);
  }

  async endSilence(id: number, now: number): Promise<boolean> {
    return (await this.sql.run('UPDATE alert_silences SET until = ? WHERE id = ? AND until > ?', [now, id, now])) === 1;
  }

  async silenceFor(a: { boxId: string; rule: string; clubId: string | null }, now: number): Promise<Silence | undefined> {
    const r = await this.sql.get<Record<string, unknown>>(
      "SELECT * FROM alert_silences WHERE until > ? AND ((scope = 'box' AND target = ?) OR (scope = 'rule' AND target = ?) OR (scope = 'club' AND target = ?)) ORDER BY until DESC LIMIT 1",
      [now, a.boxId, a.rule, a.clubId ?? ''],
    );
    return r && toSilence(r);
  }

  async addSubscription(s: Omit<Subscription, 'id'>): Promise<Subscription> {
    const id = `sub_${randomBytes(8).toString('hex')}`;
    await this.sql.run('INSERT INTO notification_subscriptions (id, channel, target, secret, role, club_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [id, s.channel, s.target, s.secret, s.role, s.clubId, s.createdAt]);
    return { ...s, id };
  }

  async subscriptions(): Promise<Subscription[]> {
    return (await this.sql.all<Record<string, unknown>>('SELECT * FROM notification_subscriptions ORDER BY created_at, id')).map(toSubscription);
  }

  async removeSubscription(id: string): Promise<boolean> {
    return (await this.sql.run('DELETE FROM notification_subscriptions WHERE id = ?', [id])) === 1;
  }

  enqueue(alertId: number, clubId: string | null, at: number): Promise<number> {
    return this.sql.run(
      "INSERT INTO notification_deliveries (alert_id, subscription_id, status, next_at, created_at) SELECT CAST(? AS BIGINT), id, 'pending', CAST(? AS BIGINT), CAST(? AS BIGINT) FROM notification_subscriptions WHERE club_id IS NULL OR club_id = ? ON CONFLICT (alert_id, subscription_id) DO NOTHING",
      [alertId, at, at, clubId ?? ''],
    );
  }

  async due(now: number, limit: number): Promise<Delivery[]> {
    const rows = await this.sql.all<Record<string, unknown>>(
      "SELECT d.*, s.channel, s.target FROM notification_deliveries d JOIN notification_subscriptions s ON s.id = d.subscription_id WHERE d.status = 'pending' AND d.next_at <= ? ORDER BY d.next_at, d.id LIMIT ?",
      [now, limit],
    );
    return rows.map(toDelivery);
  }

  async subscription(id: string): Promise<Subscription | undefined> {
    const r = await this.sql.get<Record<string, unknown>>('SELECT * FROM notification_subscriptions WHERE id = ?', [id]);
    return r && toSubscription(r);
  }

  async delivered(id: number, at: number): Promise<void> {
    await this.sql.run("UPDATE notification_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE id = ?", [at, id]);
  }

  async attemptFailed(id: number, error: string, nextAt: number | null): Promise<void> {
    await this.sql.run('UPDATE notification_deliveries SET attempts = attempts + 1, last_error = ?, status = ?, next_at = coalesce(?, next_at) WHERE id = ?', [error.slice(0, 500), nextAt === null ? 'failed' : 'pending', nextAt, id]);
  }

  async deliveries(f: { status?: DeliveryStatus; alertId?: number; limit: number }): Promise<Delivery[]> {
    const w = new Where().add('d.status = ?', f.status).add('d.alert_id = ?', f.alertId);
    const rows = await this.sql.all<Record<string, unknown>>(`SELECT d.*, s.channel, s.target FROM notification_deliveries d JOIN notification_subscriptions s ON s.id = d.subscription_id ${w} ORDER BY d.id DESC LIMIT ?`, [...w.args, f.limit]);
    return rows.map(toDelivery);
  }

  async retry(id: number, now: number): Promise<boolean> {
    return (await this.sql.run("UPDATE notification_deliveries SET status = 'pending', attempts = 0, next_at = ? WHERE id = ? AND status = 'failed'", [now, id])) === 1;
  }
}
