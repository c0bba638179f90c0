import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { actorOf } from '../auth.ts';
import { ticketOf } from '../audit.ts';
import type { ApiContext } from '../context.ts';
import { apiError } from '../errors.ts';
import { AnyJson, BoxId, EpochMs, Nullable, Ticket, errorResponses } from '../schemas.ts';

const ConfigView = Type.Object({
  boxId: Type.String(),
  desired: Nullable(Type.Object({ boxId: Type.String(), version: Type.Integer(), config: AnyJson, setBy: Type.String(), ticket: Nullable(Type.String()), setAt: EpochMs })),
  reported: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: "the box's latest config/reported: version, status (applied, trial, rejected, rolled-back), error, runningVersion, config, receivedAt" })),
  inSync: Type.Boolean({ description: 'the box runs the desired version (or none was set)' }),
  diff: Type.Array(Type.Object({ path: Type.String(), desired: AnyJson, reported: AnyJson }), { description: 'desired against what the box runs' }),
});

/**
 * Remote configuration (docs/updates.md): a box's desired configuration (the whole file's
 * schema, as JSON), what it reported, and their difference; setting a new one needs a
 * ticket, and is audited with it.
 */
export const configRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const Params = Type.Object({ boxId: BoxId });

  app.get(
    '/v1/boxes/:boxId/config',
    { config: { permission: 'fleet.read' }, schema: { tags: ['config'], summary: "A box's configuration: desired, reported, and the difference", params: Params, response: { 200: ConfigView, ...errorResponses(404) } } },
    async (req) => ctx.config.view(req.params.boxId),
  );

  app.put(
    '/v1/boxes/:boxId/config',
    {
      config: { permission: 'config.manage', audit: 'config.set' },
      schema: {
        tags: ['config'],
        summary: 'Set the configuration a box must run (the whole box configuration, as JSON); the box checks it, applies it, and rolls it back by itself if a changed device does not come up',
        params: Params,
        body: Type.Object({ config: Type.Record(Type.String(), Type.Unknown()), ticket: Type.Optional(Ticket) }, { additionalProperties: false }),
        response: { 202: ConfigView, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => {
      const ticket = ticketOf(req);
      if (!ticket) throw apiError('CONFIG_TICKET_REQUIRED');
      const view = await ctx.config.set(req.params.boxId, req.body.config, actorOf(req), ticket);
      req.auditDetail = { version: view.desired?.version, changes: view.diff.slice(0, 50).map((d) => d.path) };
      return reply.status(202).send(view);
    },
  );
};
