import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { ApiContext } from '../context.ts';
import { actorOf } from '../auth.ts';
import { apiError } from '../errors.ts';
import { BOX_SORTS } from '../../store/box-query.ts';
import { BoxDetail, BoxId, BoxStatus, BoxSummary, ClubId, EpochMs, IssuedCode, Limit, Nullable, Tag, Ticket, errorResponses } from '../schemas.ts';

const BoxParams = Type.Object({ boxId: BoxId });
const BoxListRow = Type.Object({ ...BoxSummary.properties, clubName: Nullable(Type.String()), openAlerts: Type.Integer({ description: 'alerts open on the box' }) });
const Facet = Type.Array(Type.Object({ value: Nullable(Type.String()), count: Type.Integer() }));
const BoxFacets = Type.Object({
  total: Type.Integer(),
  active: Type.Integer(),
  online: Type.Integer(),
  withOpenAlerts: Type.Integer(),
  versions: Facet,
  hardware: Facet,
});

/** Boxes: list (search, filters, sort, pages), facets, detail, creation (with its enrollment code), tags, revocation. */
export const boxRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/v1/boxes',
    {
      config: { permission: 'fleet.read' },
      schema: {
        tags: ['boxes'],
        summary: 'One page of boxes: searched, filtered, sorted, with the total count',
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 120, description: 'part of the id, the name or the club name, any case' })),
          clubId: Type.Optional(ClubId),
          tag: Type.Optional(Tag),
          version: Type.Optional(Type.String({ maxLength: 64, description: 'agent version' })),
          hardware: Type.Optional(Type.String({ maxLength: 64, description: 'hardware model' })),
          status: Type.Optional(BoxStatus),
          online: Type.Optional(Type.Boolean()),
          openAlerts: Type.Optional(Type.Boolean({ description: 'true: boxes with an open alert; false: without' })),
          sort: Type.Optional(Type.Enum(BOX_SORTS, { default: 'id' })),
          order: Type.Optional(Type.Enum(['asc', 'desc'] as const, { default: 'asc' })),
          limit: Type.Optional(Limit(1000, 200)),
          offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
        }),
        response: { 200: Type.Object({ boxes: Type.Array(BoxListRow), total: Type.Integer({ description: 'boxes matching the filters, all pages' }) }), ...errorResponses() },
      },
    },
    async (req) => {
      const { version, limit, offset, ...rest } = req.query;
      const query = { ...rest, agentVersion: version };
      const [boxes, total] = await Promise.all([ctx.boxes.list({ ...query, limit: limit ?? 200, offset: offset ?? 0 }), ctx.boxes.count(query)]);
      return { boxes, total };
    },
  );

  app.get(
    '/v1/box-facets',
    {
      config: { permission: 'fleet.read' },
      schema: {
        tags: ['boxes'],
        summary: 'Counts over the boxes not revoked (online, with open alerts) and the agent versions and hardware models present',
        response: { 200: BoxFacets, ...errorResponses() },
      },
    },
    async () => ctx.boxes.facets(),
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
