import type { Clock, TimerHandle } from '../../../platform/clock.ts';
import type { Logger } from '../../../platform/log.ts';
import type { AlertDesk, Delivery } from '../../store/alert-desk.ts';
import type { AlertChange } from '../engine.ts';
import { sendWebhook, smtpMailer, type AlertNotice, type Mailer } from './channels.ts';

export interface NotifierOptions {
  readonly desk: AlertDesk;
  readonly clock: Clock;
  readonly logger: Logger;
  /** E-mail subscriptions need an SMTP server; without one their deliveries fail with a clear error. */
  readonly smtp?: { readonly url: string; readonly from: string };
  readonly tickMs?: number;
  /** Attempts before a delivery is failed for good (and shown in the failed deliveries view). */
  readonly maxAttempts?: number;
  /** First retry delay; doubled at each attempt, up to 10 min. */
  readonly retryBaseMs?: number;
  readonly timeoutMs?: number;
}

const MAX_RETRY_MS = 10 * 60_000;
const BATCH = 50;

/**
 * Tells people when an alert opens. Every opened alert (box rules, a halted rollout: all
 * go through the AlertEngine) gets one delivery row per matching subscription, unless a
 * silence covers its box, rule or club; the row is unique per (alert, subscription), so a
 * re-raised alert, a retry or a fleet restart never notifies twice. Deliveries are sent by
 * a worker on the injected clock: a webhook (JSON, HMAC-signed) or an e-mail (SMTP), with
 * exponential retries, then `failed` for good.
 */
export class Notifier {
  private timer: TimerHandle | undefined;
  private flushing: Promise<void> | undefined;
  private again = false;
  private readonly mailer: Mailer | undefined;
  /** Alerts being queued: a flush waits for them, so it sends what was opened before it. */
  private readonly queuing = new Set<Promise<void>>();

  constructor(private readonly o: NotifierOptions) {
    this.mailer = o.smtp ? smtpMailer(o.smtp.url, o.smtp.from, o.timeoutMs ?? 10_000) : undefined;
  }

  /** The AlertEngine's onChange. */
  onAlertChange(change: AlertChange): void {
    if (change.kind !== 'opened') return;
    const p = this.opened(change.alert.id)
      .catch((e: unknown) => this.o.logger.error({ err: e, code: 'NOTIFY_ENQUEUE_FAILED' }, 'notification not queued'))
      .finally(() => this.queuing.delete(p));
    this.queuing.add(p);
  }

  async opened(alertId: number): Promise<void> {
    const found = await this.o.desk.alertWithClub(alertId);
    if (!found) return;
    const now = this.o.clock.now();
    const silence = await this.o.desk.silenceFor({ boxId: found.alert.boxId, rule: found.alert.rule, clubId: found.clubId }, now);
    if (silence) {
      this.o.logger.info({ alert: alertId, silence: silence.id, code: 'NOTIFY_SILENCED' }, 'alert opened under a silence: nobody notified');
      return;
    }
    // Sent at once only where the notifier runs: with several fleet instances, by the one that holds the singletons (its next tick otherwise).
    if ((await this.o.desk.enqueue(alertId, found.clubId, now)) > 0 && this.timer) void this.flush();
  }

  start(): void {
    this.timer ??= this.o.clock.setInterval(() => void this.flush(), this.o.tickMs ?? 5_000);
  }

  /** Stops sending (another fleet instance took the singleton work over); start() resumes. */
  pause(): void {
    this.o.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  async stop(): Promise<void> {
    this.o.clock.clearInterval(this.timer);
    this.timer = undefined;
    await this.flushing;
    this.mailer?.close();
  }

  /** Sends what is due; a call while one runs makes it go round once more. Resolves when done. */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      await Promise.all(this.queuing);
      do {
        this.again = false;
        for (const d of await this.o.desk.due(this.o.clock.now(), BATCH)) await this.send(d);
      } while (this.again);
    })().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async send(d: Delivery): Promise<void> {
    const { desk, clock, logger } = this.o;
    const [found, sub] = await Promise.all([desk.alertWithClub(d.alertId), desk.subscription(d.subscriptionId)]);
    if (!found || !sub) return;
    const a = found.alert;
    const notice: AlertNotice = { event: 'alert.opened', deliveryId: d.id, alert: { id: a.id, boxId: a.boxId, clubId: found.clubId, rule: a.rule, subject: a.subject, severity: a.severity, message: a.message, openedAt: a.openedAt } };
    try {
      if (sub.channel === 'webhook') await sendWebhook(sub.target, sub.secret, notice, clock.now(), this.o.timeoutMs ?? 10_000);
      else if (this.mailer) await this.mailer.send(sub.target, notice);
      else throw new Error('no SMTP server configured (--smtp-url)');
      await desk.delivered(d.id, clock.now());
    } catch (e) {
      const attempts = d.attempts + 1;
      const last = attempts >= (this.o.maxAttempts ?? 8);
      const nextAt = last ? null : clock.now() + Math.min(MAX_RETRY_MS, (this.o.retryBaseMs ?? 5_000) * 2 ** (attempts - 1));
      await desk.attemptFailed(d.id, (e as Error).message, nextAt);
      logger.warn({ delivery: d.id, alert: d.alertId, channel: sub.channel, attempts, err: (e as Error).message, code: last ? 'NOTIFY_FAILED' : 'NOTIFY_RETRY' }, last ? 'notification failed for good' : 'notification failed, will retry');
    }
  }
}
