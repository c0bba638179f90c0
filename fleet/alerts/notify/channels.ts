import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';

/** What a notification says about an alert: the same JSON for a webhook and, as text, for an e-mail. */
export interface AlertNotice {
  event: 'alert.opened';
  deliveryId: number;
  alert: { id: number; boxId: string; clubId: string | null; rule: string; subject: string; severity: string; message: string; openedAt: number };
}

/** `sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<body>"): the receiver recomputes it, and refuses an old timestamp (replay). */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** POSTs the notice as JSON, signed; anything but a 2xx answer within the timeout is a failed attempt. */
export async function sendWebhook(url: string, secret: string | null, notice: AlertNotice, now: number, timeoutMs: number): Promise<void> {
  const body = JSON.stringify(notice);
  const timestamp = String(now);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'resabox-fleet',
      // The same id on every retry of one notification: a receiver that got it twice keeps one.
      'x-resabox-delivery': String(notice.deliveryId),
      'x-resabox-timestamp': timestamp,
      ...(secret ? { 'x-resabox-signature': webhookSignature(secret, timestamp, body) } : {}),
    },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`webhook answered HTTP ${res.status}`);
}

export interface Mailer {
  send(to: string, notice: AlertNotice): Promise<void>;
  close(): void;
}

/** E-mail through an SMTP server (nodemailer): `smtp://user:pass@host:587`, or `smtps://` for TLS from the start. */
export function smtpMailer(url: string, from: string, timeoutMs: number): Mailer {
  const u = new URL(url);
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new Error(`SMTP URL must start with smtp:// or smtps:// (got ${u.protocol})`);
  const transport = nodemailer.createTransport({
    host: u.hostname,
    port: u.port ? Number(u.port) : u.protocol === 'smtps:' ? 465 : 587,
    secure: u.protocol === 'smtps:',
    ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    async send(to, n) {
      const a = n.alert;
      await transport.sendMail({
        from,
        to,
        subject: `[RESABOX ${a.severity}] ${a.boxId}: ${a.message}`,
        text: `${a.message}\n\nBox: ${a.boxId}\nClub: ${a.clubId ?? '-'}\nRule: ${a.rule}${a.subject ? ` (${a.subject})` : ''}\nSeverity: ${a.severity}\nOpened: ${new Date(a.openedAt).toISOString()}\nAlert: #${a.id}\n`,
        headers: { 'X-Resabox-Delivery': String(n.deliveryId), 'X-Resabox-Alert': String(a.id) },
      });
    },
    close: () => transport.close(),
  };
}
