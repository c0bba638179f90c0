import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { ApiContext } from '../context.ts';
import { apiError } from '../errors.ts';
import { AnyJson, BoxId, ClubId, EpochMs, Limit, Nullable, errorResponses } from '../schemas.ts';

const Severity = Type.Enum(['info', 'warning', 'critical'] as const);

const EventView = Type.Object({
  id: Type.Integer(),
  boxId: Type.String(),
  eventId: Type.String(),
  at: EpochMs,
  kind: Type.String(),
  severity: Type.String(),
  subject: Nullable(Type.String()),
  data: AnyJson,
  receivedAt: EpochMs,
});

const AlertView = Type.Object({
  id: Type.Integer(),
  boxId: Type.String(),
  rule: Type.String(),
  subject: Type.String(),
  severity: Type.String(),
  status: Type.String(),
  message: Type.String(),
  detail: AnyJson,
  openedAt: EpochMs,
  updatedAt: EpochMs,
  resolvedAt: Nullable(EpochMs),
  clubId: Nullable(Type.String()),
  acknowledgedAt: Nullable(EpochMs),
  acknowledgedBy: Nullable(Type.String()),
  ackNote: Nullable(Type.String()),
  assignee: Nullable(Type.String()),
});

const DAY = 24 * 3600_000;

/** Health history, events and alerts: the technical team's read side. */
export const monitoringRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/v1/boxes/:boxId/health',
    {
      config: { permission: 'fleet.read' },
      schema: {
        tags: ['monitoring'],
        summary: 'Health metric history of a box (raw samples, then 15-minute averages)',
        params: Type.Object({ boxId: BoxId }),
        querystring: Type.Object({
          metric: Type.Optional(Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,64}$' })),
          from: Type.Optional(EpochMs),
          to: Type.Optional(EpochMs),
          limit: Type.Optional(Limit(10_000, 2_000)),
        }),
        response: {
          200: Type.Object({
            boxId: Type.String(),
            points: Type.Array(Type.Object({ metric: Type.String(), at: EpochMs, value: Type.Number(), samples: Type.Integer(), resolutionMs: Type.Integer() })),
          }),
          ...errorResponses(404),
        },
      },
    },
    async (req) => {
      const { boxId } = req.params;
      if (!(await ctx.boxes.get(boxId))) throw apiError('BOX_NOT_FOUND');
      // `to` is exclusive: by default include a sample stored this very millisecond.
      const to = req.query.to ?? ctx.clock.now() + 1;
      const from = req.query.from ?? to - DAY;
      return { boxId, points: await ctx.history.health(boxId, req.query.metric, from, to, req.query.limit ?? 2_000) };
    },
  );

  app.get(
    '/v1/events',
    {
      config: { permission: 'fleet.read' },
      schema: {
        tags: ['monitoring'],
        summary: 'Events reported by boxes, newest first',
        querystring: Type.Object({
          boxId: Type.Optional(BoxId),
          clubId: Type.Optional(ClubId),
          kind: Type.Optional(Type.String({ maxLength: 64 })),
          severity: Type.Optional(Severity),
          from: Type.Optional(EpochMs),
          to: Type.Optional(EpochMs),
          limit: Type.Optional(Limit(1000, 200)),
        }),
        response: { 200: Type.Object({ events: Type.Array(EventView) }), ...errorResponses() },
      },
    },
    async (req) => ({ events: await ctx.history.events({ ...req.query, limit: req.query.limit ?? 200 }) }),
  );

  app.get(
    '/v1/alerts',
    {
      config: { permission: 'fleet.read' },
      schema: {
        tags: ['monitoring'],
        summary: 'Alerts (open and resolved), newest first',
        querystring: Type.Object({
          boxId: Type.Optional(BoxId),
          clubId: Type.Optional(ClubId),
          status: Type.Optional(Type.Enum(['open', 'resolved'] as const)),
          severity: Type.Optional(Severity),
          limit: Type.Optional(Limit(1000, 200)),
        }),
        response: { 200: Type.Object({ alerts: Type.Array(AlertView) }), ...errorResponses() },
      },
    },
    async (req) => {
      const alerts = await ctx.history.alerts({ ...req.query, limit: req.query.limit ?? 200 });
      const handling = await ctx.desk.handling(alerts.map((a) => a.id));
      return { alerts: alerts.map((a) => ({ ...a, clubId: null, acknowledgedAt: null, acknowledgedBy: null, ackNote: null, assignee: null, ...handling.get(a.id) })) };
    },
  );
};
