import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { actorOf } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { apiError } from '../errors.ts';
import { ClubId, EpochMs, Limit, Nullable, errorResponses } from '../schemas.ts';

const AlertParams = Type.Object({ alertId: Type.Integer({ minimum: 1 }) });
const Note = Type.String({ minLength: 1, maxLength: 500 });
const Person = Type.String({ minLength: 1, maxLength: 80, description: 'who handles it: a name or an on-call alias' });
const Handling = Type.Object({ alertId: Type.Integer(), clubId: Nullable(Type.String()), acknowledgedAt: Nullable(EpochMs), acknowledgedBy: Nullable(Type.String()), ackNote: Nullable(Type.String()), assignee: Nullable(Type.String()) });
const SilenceView = Type.Object({ id: Type.Integer(), scope: Type.String(), target: Type.String(), until: EpochMs, note: Nullable(Type.String()), createdBy: Type.String(), createdAt: EpochMs });
const SubscriptionView = Type.Object({ id: Type.String(), channel: Type.String(), target: Type.String(), signed: Type.Boolean(), role: Nullable(Type.String()), clubId: Nullable(Type.String()), createdAt: EpochMs });
const DeliveryView = Type.Object({ id: Type.Integer(), alertId: Type.Integer(), subscriptionId: Type.String(), channel: Type.String(), target: Type.String(), status: Type.String(), attempts: Type.Integer(), nextAt: EpochMs, lastError: Nullable(Type.String()), createdAt: EpochMs, deliveredAt: Nullable(EpochMs) });
const WEBHOOK_URL = '^https?://[^\\s]+$';
const EMAIL = '^[^\\s@]+@[^\\s@]+$';

/** Acknowledge, assign, silence; notification subscriptions and their deliveries. */
export const alertHandlingRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const handlingOf = async (alertId: number) => {
    const h = (await ctx.desk.handling([alertId])).get(alertId);
    return { alertId, clubId: h?.clubId ?? null, acknowledgedAt: h?.acknowledgedAt ?? null, acknowledgedBy: h?.acknowledgedBy ?? null, ackNote: h?.ackNote ?? null, assignee: h?.assignee ?? null };
  };
  const mustExist = async (alertId: number) => {
    if (!(await ctx.desk.alertWithClub(alertId))) throw apiError('ALERT_NOT_FOUND');
  };

  app.post(
    '/v1/alerts/:alertId/acknowledge',
    {
      config: { permission: 'alerts.manage', audit: 'alert.acknowledge' },
      schema: { tags: ['alerts'], summary: 'Acknowledge an alert, with a note', params: AlertParams, body: Type.Object({ note: Type.Optional(Note) }, { additionalProperties: false }), response: { 200: Handling, ...errorResponses(404) } },
    },
    async (req) => {
      await mustExist(req.params.alertId);
      await ctx.desk.acknowledge(req.params.alertId, actorOf(req), req.body.note ?? null, ctx.clock.now());
      req.auditDetail = { note: req.body.note ?? null };
      return handlingOf(req.params.alertId);
    },
  );

  app.post(
    '/v1/alerts/:alertId/assign',
    {
      config: { permission: 'alerts.manage', audit: 'alert.assign' },
      schema: { tags: ['alerts'], summary: 'Assign an alert to someone (null: unassign)', params: AlertParams, body: Type.Object({ assignee: Nullable(Person) }, { additionalProperties: false }), response: { 200: Handling, ...errorResponses(404) } },
    },
    async (req) => {
      await mustExist(req.params.alertId);
      await ctx.desk.assign(req.params.alertId, req.body.assignee, ctx.clock.now());
      req.auditDetail = { assignee: req.body.assignee };
      return handlingOf(req.params.alertId);
    },
  );

  app.get(
    '/v1/silences',
    { config: { permission: 'fleet.read' }, schema: { tags: ['alerts'], summary: 'Active silences', response: { 200: Type.Object({ silences: Type.Array(SilenceView) }), ...errorResponses() } } },
    async () => ({ silences: await ctx.desk.activeSilences(ctx.clock.now()) }),
  );

  app.post(
    '/v1/silences',
    {
      config: { permission: 'alerts.manage', audit: 'silence.create' },
      schema: {
        tags: ['alerts'],
        summary: 'Silence the notifications of a box, a rule or a club for a while',
        body: Type.Object(
          { scope: Type.Enum(['box', 'rule', 'club'] as const), target: Type.String({ minLength: 1, maxLength: 80 }), minutes: Type.Integer({ minimum: 1, maximum: 7 * 24 * 60 }), note: Type.Optional(Note) },
          { additionalProperties: false },
        ),
        response: { 201: SilenceView, ...errorResponses() },
      },
    },
    async (req, reply) => {
      const now = ctx.clock.now();
      const s = await ctx.desk.addSilence({ scope: req.body.scope, target: req.body.target, until: now + req.body.minutes * 60_000, note: req.body.note ?? null, createdBy: actorOf(req), createdAt: now });
      req.auditTarget = `${s.scope}:${s.target}`;
      return reply.status(201).send(s);
    },
  );

  app.post(
    '/v1/silences/:silenceId/end',
    {
      config: { permission: 'alerts.manage', audit: 'silence.end' },
      schema: { tags: ['alerts'], summary: 'End a silence now', params: Type.Object({ silenceId: Type.Integer({ minimum: 1 }) }), body: Type.Object({}, { additionalProperties: false }), response: { 200: Type.Object({ ended: Type.Boolean() }), ...errorResponses(404) } },
    },
    async (req) => {
      if (!(await ctx.desk.endSilence(req.params.silenceId, ctx.clock.now()))) throw apiError('SILENCE_NOT_FOUND');
      return { ended: true };
    },
  );

  app.get(
    '/v1/notification-subscriptions',
    { config: { permission: 'notifications.manage' }, schema: { tags: ['alerts'], summary: 'Who is notified of opened alerts', response: { 200: Type.Object({ subscriptions: Type.Array(SubscriptionView) }), ...errorResponses() } } },
    async () => ({ subscriptions: (await ctx.desk.subscriptions()).map(({ secret, ...s }) => ({ ...s, signed: secret !== null })) }),
  );

  app.post(
    '/v1/notification-subscriptions',
    {
      config: { permission: 'notifications.manage', audit: 'notification.subscribe' },
      schema: {
        tags: ['alerts'],
        summary: 'Notify a webhook (JSON, HMAC-signed with `secret`) or an e-mail address of every alert opened, for a role, optionally one club',
        body: Type.Object(
          {
            channel: Type.Enum(['webhook', 'email'] as const),
            target: Type.String({ minLength: 3, maxLength: 500 }),
            secret: Type.Optional(Type.String({ minLength: 16, maxLength: 200 })),
            role: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
            clubId: Type.Optional(ClubId),
          },
          { additionalProperties: false },
        ),
        response: { 201: SubscriptionView, ...errorResponses() },
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (!new RegExp(b.channel === 'webhook' ? WEBHOOK_URL : EMAIL).test(b.target)) throw apiError('API_VALIDATION_FAILED', `body/target is not ${b.channel === 'webhook' ? 'an http(s) URL' : 'an e-mail address'}`);
      if (b.channel === 'webhook' && !b.secret) throw apiError('API_VALIDATION_FAILED', 'body/secret: a webhook needs a secret to sign its notifications');
      const { secret, ...s } = await ctx.desk.addSubscription({ channel: b.channel, target: b.target, secret: b.secret ?? null, role: b.role ?? null, clubId: b.clubId ?? null, createdAt: ctx.clock.now() });
      req.auditTarget = s.id;
      return reply.status(201).send({ ...s, signed: secret !== null });
    },
  );

  app.post(
    '/v1/notification-subscriptions/:subscriptionId/remove',
    {
      config: { permission: 'notifications.manage', audit: 'notification.unsubscribe' },
      schema: { tags: ['alerts'], summary: 'Remove a subscription', params: Type.Object({ subscriptionId: Type.String({ pattern: '^sub_[0-9a-f]{16}$' }) }), body: Type.Object({}, { additionalProperties: false }), response: { 200: Type.Object({ removed: Type.Boolean() }), ...errorResponses(404) } },
    },
    async (req) => {
      if (!(await ctx.desk.removeSubscription(req.params.subscriptionId))) throw apiError('SUBSCRIPTION_NOT_FOUND');
      return { removed: true };
    },
  );

  app.get(
    '/v1/notification-deliveries',
    {
      config: { permission: 'fleet.read' },
      schema: {
        tags: ['alerts'],
        summary: 'Notifications sent, waiting or failed, newest first',
        querystring: Type.Object({ status: Type.Optional(Type.Enum(['pending', 'delivered', 'failed'] as const)), alertId: Type.Optional(Type.Integer({ minimum: 1 })), limit: Type.Optional(Limit(500, 100)) }),
        response: { 200: Type.Object({ deliveries: Type.Array(DeliveryView) }), ...errorResponses() },
      },
    },
    async (req) => ({ deliveries: await ctx.desk.deliveries({ ...req.query, limit: req.query.limit ?? 100 }) }),
  );

  app.post(
    '/v1/notification-deliveries/:deliveryId/retry',
    {
      config: { permission: 'notifications.manage', audit: 'notification.retry' },
      schema: { tags: ['alerts'], summary: 'Send a failed notification again', params: Type.Object({ deliveryId: Type.Integer({ minimum: 1 }) }), body: Type.Object({}, { additionalProperties: false }), response: { 200: Type.Object({ queued: Type.Boolean() }), ...errorResponses(404, 409) } },
    },
    async (req) => {
      if (!(await ctx.desk.retry(req.params.deliveryId, ctx.clock.now()))) throw apiError('DELIVERY_NOT_FAILED');
      return { queued: true };
    },
  );
};
