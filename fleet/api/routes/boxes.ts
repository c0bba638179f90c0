import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { ApiContext } from '../context.ts';
import { actorOf } from '../auth.ts';
import { apiError } from '../errors.ts';
import { BoxDetail, BoxId, BoxStatus, BoxSummary, ClubId, EpochMs, IssuedCode, Limit, Tag, Ticket, errorResponses } from '../schemas.ts';

const BoxParams = Type.Object({ boxId: BoxId });

/** Boxes: list/filter, detail, creation (with its enrollment code), tags, revocation. */
export const boxRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/v1/boxes',
    {
      config: { permission: 'fleet.read' },
      schema: {
        tags: ['boxes'],
        summary: 'List boxes, filtered by club, tag, agent version, status, online',
        querystring: Type.Object({
          clubId: Type.Optional(ClubId),
          tag: Type.Optional(Tag),
          version: Type.Optional(Type.String({ maxLength: 64 })),
          status: Type.Optional(BoxStatus),
          online: Type.Optional(Type.Boolean()),
          limit: Type.Optional(Limit(1000, 200)),
          offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
        }),
        response: { 200: Type.Object({ boxes: Type.Array(BoxSummary) }), ...errorResponses() },
      },
    },
    async (req) => {
      const q = req.query;
      return { boxes: await ctx.boxes.list({ clubId: q.clubId, tag: q.tag, agentVersion: q.version, status: q.status, online: q.online, limit: q.limit ?? 200, offset: q.offset ?? 0 }) };
    },
  );

  app.get(
    '/v1/boxes/:boxId',
    {
      config: { permission: 'fleet.read' },
      schema: { tags: ['boxes'], summary: 'One box with its devices and latest health', params: BoxParams, response: { 200: BoxDetail, ...errorResponses(404) } },
    },
    async (req) => {
      const box = await ctx.boxes.detail(req.params.boxId);
      if (!box) throw apiError('BOX_NOT_FOUND');
      return box;
    },
  );

  app.post(
    '/v1/boxes',
    {
      config: { permission: 'boxes.manage', audit: 'box.create' },
      schema: {
        tags: ['boxes', 'enrollment'],
        summary: 'Create a pending box and its single-use enrollment code',
        body: Type.Object(
          { id: BoxId, clubId: ClubId, name: Type.Optional(Type.String({ maxLength: 120 })), tags: Type.Optional(Type.Array(Tag, { maxItems: 20 })), ticket: Type.Optional(Ticket) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ box: BoxSummary, enrollment: IssuedCode }), ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const { box, code, expiresAt } = await ctx.enrollment.createBox({ id: b.id, clubId: b.clubId, name: b.name ?? '', tags: b.tags ?? [] }, actorOf(req));
      req.auditTarget = box.id;
      req.auditDetail = { clubId: box.clubId, tags: box.tags };
      return reply.status(201).send({ box, enrollment: { code, expiresAt } });
    },
  );

  app.post(
    '/v1/boxes/:boxId/enrollment-code',
    {
      config: { permission: 'boxes.manage', audit: 'box.enrollment-code' },
      schema: {
        tags: ['enrollment'],
        summary: 'A new single-use enrollment code for an existing box (re-enrollment)',
        params: BoxParams,
        body: Type.Object({ ticket: Type.Optional(Ticket) }, { additionalProperties: false }),
        response: { 201: IssuedCode, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => reply.status(201).send(await ctx.enrollment.codeForBox(req.params.boxId, actorOf(req))),
  );

  app.put(
    '/v1/boxes/:boxId/tags',
    {
      config: { permission: 'boxes.manage', audit: 'box.tags' },
      schema: {
        tags: ['boxes'],
        summary: 'Replace the tags of a box',
        params: BoxParams,
        body: Type.Object({ tags: Type.Array(Tag, { maxItems: 20 }), ticket: Type.Optional(Ticket) }, { additionalProperties: false }),
        response: { 200: BoxSummary, ...errorResponses(404) },
      },
    },
    async (req) => {
      if (!(await ctx.boxes.get(req.params.boxId))) throw apiError('BOX_NOT_FOUND');
      await ctx.boxes.setTags(req.params.boxId, req.body.tags);
      req.auditDetail = { tags: req.body.tags };
      const box = await ctx.boxes.get(req.params.boxId);
      if (!box) throw apiError('BOX_NOT_FOUND');
      return box;
    },
  );

  app.post(
    '/v1/boxes/:boxId/revoke',
    {
      config: { permission: 'boxes.manage', audit: 'box.revoke' },
      schema: {
        tags: ['boxes'],
        summary: 'Revoke a box: its credential is forgotten and its MQTT session cut at once',
        params: BoxParams,
        body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 200 })), ticket: Type.Optional(Ticket) }, { additionalProperties: false }),
        response: { 200: Type.Object({ box: BoxSummary, revokedAt: EpochMs }), ...errorResponses(404, 409) },
      },
    },
    async (req) => {
      const box = await ctx.enrollment.revoke(req.params.boxId);
      // The tickets it could still print are no longer good at the club's other boxes.
      const ticketKeysRetired = await ctx.rights.retireTicketKeys(box.id, box.clubId).catch((e: unknown) => {
        req.log.error({ err: e, boxId: box.id }, 'ticket keys of a revoked box not retired');
        return 0;
      });
      req.auditDetail = { reason: req.body.reason ?? null, ticketKeysRetired };
      return { box, revokedAt: box.revokedAt ?? ctx.clock.now() };
    },
  );
};
