import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookSignature } from '../../fleet/alerts/notify/channels.ts';
import { enrollBox, startTestFleet, type TestFleet } from '../support/fleet-harness.ts';

const SECRET = 'webhook-secret-0123456789abcdef';

interface Hook {
  headers: IncomingHttpHeaders;
  body: string;
}

/*
 * Alerts that reach people: a real HTTP receiver for the webhook and a real SMTP server
 * (smtp-server) for the e-mail, each receiving exactly one notification per opened alert,
 * through retries, re-raises and extra flushes. Time is the harness's manual clock.
 */
describe('alert notifications: webhook and e-mail, one per alert', () => {
  let f: TestFleet;
  let web: Server;
  let smtp: SMTPServer;
  let webUrl = '';
  let smtpPort = 0;
  const hooks: Hook[] = [];
  const mails: string[] = [];
  let failNext = 0;

  beforeAll(async () => {
    web = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (failNext > 0) {
          failNext--;
          res.writeHead(500).end();
          return;
        }
        hooks.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    webUrl = `http://127.0.0.1:${(web.address() as { port: number }).port}/hook`;
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, done) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString()));
        stream.on('end', () => (mails.push(raw), done()));
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    smtpPort = (smtp.server.address() as { port: number }).port;
    f = await startTestFleet({ notifications: { smtp: { url: `smtp://127.0.0.1:${smtpPort}`, from: 'fleet@resabox.example' }, retryBaseMs: 5_000, maxAttempts: 3 } });
    await f.call('admin', 'PUT', '/v1/clubs/club-n', { name: 'N', timezone: 'Europe/Paris' });
    await f.call('admin', 'PUT', '/v1/clubs/club-o', { name: 'O', timezone: 'Europe/Paris' });
    await enrollBox(f, 'box-n-1', 'club-n');
    await enrollBox(f, 'box-o-1', 'club-o');
    // These boxes never connect: their "box offline" alerts (after the clock moves) are not what this file counts.
    expect((await f.call('admin', 'POST', '/v1/silences', { scope: 'rule', target: 'box-offline', minutes: 7 * 24 * 60 })).status).toBe(201);
    expect((await f.call('admin', 'POST', '/v1/notification-subscriptions', { channel: 'webhook', target: webUrl, secret: SECRET, role: 'technician' })).status).toBe(201);
    expect((await f.call('admin', 'POST', '/v1/notification-subscriptions', { channel: 'email', target: 'oncall@club-n.example', role: 'support', clubId: 'club-n' })).status).toBe(201);
  });
  afterAll(async () => {
    await f?.close();
    await new Promise((r) => web?.close(r));
    await new Promise<void>((r) => smtp?.close(() => r()));
  });

  const notifier = () => f.svc.fleet.notifier;
  /** Moves the manual clock (due retries fire on it) and lets the sends finish. */
  const pass = async (ms: number) => {
    f.clock.advance(ms);
    await notifier().flush();
  };

  it('an opened alert reaches the webhook once (signed, after a retry) and the club subscription by e-mail once', async () => {
    failNext = 1;
    const alert = await f.svc.fleet.alerts.raiseExternal({ boxId: 'box-n-1', rule: 'rollout-halted', subject: 'r-1' }, { severity: 'critical', message: 'rollout r-1 halted', detail: {} });
    await notifier().flush();
    expect(hooks).toHaveLength(0);
    expect(mails).toHaveLength(1);
    // The same alert again (refreshed, not opened), more flushes, the retry time: one webhook call in all.
    await f.svc.fleet.alerts.raiseExternal({ boxId: 'box-n-1', rule: 'rollout-halted', subject: 'r-1' }, { severity: 'critical', message: 'rollout r-1 halted', detail: {} });
    await pass(5_000);
    await pass(60_000);
    await notifier().opened(alert.id);
    await pass(60_000);
    expect(hooks).toHaveLength(1);
    expect(mails).toHaveLength(1);
    const hook = hooks[0] as Hook;
    expect(hook.headers['content-type']).toBe('application/json');
    expect(hook.headers['x-resabox-signature']).toBe(webhookSignature(SECRET, hook.headers['x-resabox-timestamp'] as string, hook.body));
    expect(JSON.parse(hook.body)).toMatchObject({ event: 'alert.opened', alert: { id: alert.id, boxId: 'box-n-1', clubId: 'club-n', rule: 'rollout-halted', severity: 'critical', message: 'rollout r-1 halted' } });
    expect(mails[0]).toMatch(/^Subject: \[RESABOX critical\] box-n-1: rollout r-1 halted$/m);
    expect(mails[0]).toMatch(/^To: oncall@club-n\.example$/m);
    const { deliveries } = (await f.call('viewer', 'GET', `/v1/notification-deliveries?alertId=${alert.id}`)).body;
    expect(deliveries.map((d: { channel: string; status: string; attempts: number }) => [d.channel, d.status, d.attempts]).sort()).toEqual([
      ['email', 'delivered', 1],
      ['webhook', 'delivered', 2],
    ]);
  });

  it('a club subscription hears only of its club; a silence stops notifications for its box, rule or club', async () => {
    const [h0, m0] = [hooks.length, mails.length];
    await f.svc.fleet.alerts.raiseExternal({ boxId: 'box-o-1', rule: 'printer', subject: 'p' }, { severity: 'warning', message: 'paper near end', detail: {} });
    await notifier().flush();
    expect([hooks.length - h0, mails.length - m0]).toEqual([1, 0]);
    for (const [scope, target, key] of [
      ['box', 'box-n-1', { boxId: 'box-n-1', rule: 'disk-full', subject: '' }],
      ['rule', 'clock-drift', { boxId: 'box-o-1', rule: 'clock-drift', subject: '' }],
      ['club', 'club-n', { boxId: 'box-n-1', rule: 'printer', subject: 'x' }],
    ] as const) {
      const s = await f.call('technician', 'POST', '/v1/silences', { scope, target, minutes: 30, note: 'maintenance' });
      expect(s.status).toBe(201);
      await f.svc.fleet.alerts.raiseExternal(key, { severity: 'warning', message: `silenced ${scope}`, detail: {} });
      await pass(1000);
      expect([hooks.length - h0, mails.length - m0], scope).toEqual([1, 0]);
      await f.call('technician', 'POST', `/v1/silences/${s.body.id}/end`, {});
    }
    // Silences end: the next alert is heard again.
    await f.svc.fleet.alerts.raiseExternal({ boxId: 'box-n-1', rule: 'disk-full', subject: 'after' }, { severity: 'warning', message: 'disk', detail: {} });
    await notifier().flush();
    expect([hooks.length - h0, mails.length - m0]).toEqual([2, 1]);
  });

  it('a webhook that keeps failing is retried with backoff, then shown among the failed deliveries, and can be sent again', async () => {
    const sub = (await f.call('admin', 'POST', '/v1/notification-subscriptions', { channel: 'webhook', target: 'http://127.0.0.1:9/nobody', secret: SECRET, clubId: 'club-o' })).body;
    const alert = await f.svc.fleet.alerts.raiseExternal({ boxId: 'box-o-1', rule: 'disk-full', subject: 'd' }, { severity: 'critical', message: 'disk full', detail: {} });
    await notifier().flush();
    const mine = async () => ((await f.call('viewer', 'GET', `/v1/notification-deliveries?alertId=${alert.id}`)).body.deliveries as { id: number; subscriptionId: string; status: string; attempts: number; lastError: string }[]).find((d) => d.subscriptionId === sub.id);
    expect(await mine()).toMatchObject({ status: 'pending', attempts: 1 });
    await pass(4_999); // the first retry waits 5 s
    expect(await mine()).toMatchObject({ status: 'pending', attempts: 1 });
    await pass(1);
    expect(await mine()).toMatchObject({ status: 'pending', attempts: 2 });
    await pass(10_000);
    const failed = await mine();
    expect(failed).toMatchObject({ status: 'failed', attempts: 3 });
    expect(failed?.lastError).toBeTruthy();
    const list = (await f.call('viewer', 'GET', '/v1/notification-deliveries?status=failed')).body.deliveries as { id: number }[];
    expect(list.map((d) => d.id)).toContain(failed?.id);
    expect((await f.call('admin', 'POST', `/v1/notification-deliveries/${failed?.id}/retry`, {})).status).toBe(200);
    expect((await mine())?.status).toBe('pending');
  });

  it('acknowledge with a note and assign show on the alert', async () => {
    const alert = await f.svc.fleet.alerts.raiseExternal({ boxId: 'box-n-1', rule: 'device-offline', subject: 'reader-entry' }, { severity: 'critical', message: 'reader offline', detail: {} });
    expect((await f.call('technician', 'POST', `/v1/alerts/${alert.id}/acknowledge`, { note: 'cable checked' })).status).toBe(200);
    expect((await f.call('technician', 'POST', `/v1/alerts/${alert.id}/assign`, { assignee: 'alice' })).status).toBe(200);
    const shown = ((await f.call('viewer', 'GET', '/v1/alerts?status=open&boxId=box-n-1')).body.alerts as { id: number }[]).find((a) => a.id === alert.id);
    expect(shown).toMatchObject({ ackNote: 'cable checked', assignee: 'alice', acknowledgedBy: expect.stringMatching(/^technician-user#/) });
    expect((await f.call('technician', 'POST', '/v1/alerts/999999/acknowledge', {})).body.error.code).toBe('ALERT_NOT_FOUND');
  });
});
