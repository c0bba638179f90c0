import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { EnrollmentRequest } from '../../store/enrollment-requests.ts';
import { actorOf } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { BoxId, ClubId, EnrollmentView, IssuedCode, Limit, Tag, Ticket, errorResponses } from '../schemas.ts';

const EnrollmentParams = Type.Object({ enrollmentId: Type.String({ pattern: '^enr_[0-9a-f]{24}$' }) });

const view = (r: EnrollmentRequest) => {
  const { pollSecretHash: _hidden, ...rest } = r;
  return rest;
};

/**
 * Enrollment (docs/fleet-api.md "Enrollment"): the two public, rate-limited routes a new
 * box calls, and the technician's side (club codes, list, accept, reject).
 */
export const enrollmentRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.post(
    '/v1/enrollments',
    {
      config: { permission: 'public', rateLimited: 'present', audit: 'enrollment.present' },
      schema: {
        tags: ['enrollment'],
        summary: 'A box presents its enrollment code (public, rate-limited, single-use)',
        security: [],
        body: Type.Object(
          {
            code: Type.String({ minLength: 16, maxLength: 40 }),
            boxId: Type.Optional(BoxId),
            hardware: Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.String({ maxLength: 200 }), Type.Number(), Type.Boolean(), Type.Null()]), {
              maxProperties: 32,
              description: 'what the box says it is: model, serial, CPU, MAC...',
            }),
            agentVersion: Type.String({ minLength: 1, maxLength: 64 }),
            pollSecretHash: Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'SHA-256 (hex) of a random secret the box keeps to poll with' }),
          },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ enrollmentId: Type.String(), boxId: Type.String(), status: Type.Literal('pending'), pollAfterS: Type.Integer() }), ...errorResponses(409, 429) },
      },
    },
    async (req, reply) => {
      const r = await ctx.enrollment.present(req.body, req.ip);
      req.auditTarget = r.id;
      req.auditDetail = { boxId: r.boxId, clubId: r.clubId, agentVersion: r.agentVersion };
      return reply.status(202).send({ enrollmentId: r.id, boxId: r.boxId, status: 'pending' as const, pollAfterS: 10 });
    },
  );

  app.post(
    '/v1/enrollments/:enrollmentId/poll',
    {
      config: { permission: 'public', rateLimited: 'poll', audit: 'enrollment.deliver' },
      schema: {
        tags: ['enrollment'],
        summary: 'The box polls its request with its secret; once accepted, the credentials come back exactly once',
        security: [],
        params: EnrollmentParams,
        body: Type.Object({ pollSecret: Type.String({ minLength: 16, maxLength: 200 }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            status: Type.Enum(['pending', 'rejected', 'delivered'] as const),
            credentials: Type.Optional(
              Type.Object({ boxId: Type.String(), username: Type.String(), password: Type.String(), clientId: Type.String(), mqttUrl: Type.String() }),
            ),
            trustRoot: Type.Optional(
              Type.Record(Type.String(), Type.Unknown(), { description: "the update repository's root.json (TUF): store it as the box's trust anchor, <root>/trust/root.json" }),
            ),
          }),
          ...errorResponses(404, 410, 429),
        },
      },
    },
    async (req) => {
      const out = await ctx.enrollment.poll(req.params.enrollmentId, req.body.pollSecret);
      if (out.status !== 'delivered') {
        req.auditSkip = true;
        return out;
      }
      req.auditDetail = { boxId: out.credentials.boxId };
      // The trust anchor travels with the credentials, over the same authenticated answer.
      const trustRoot = ctx.repository.trustRoot();
      return trustRoot ? { ...out, trustRoot } : out;
    },
  );

  app.post(
    '/v1/enrollment-codes',
    {
      config: { permission: 'boxes.manage', audit: 'enrollment-code.create' },
      schema: {
        tags: ['enrollment'],
        summary: 'A single-use club enrollment code: the box that presents it becomes a pending box of the club',
        body: Type.Object({ clubId: ClubId, tags: Type.Optional(Type.Array(Tag, { maxItems: 20 })), ticket: Type.Optional(Ticket) }, { additionalProperties: false }),
        response: { 201: IssuedCode, ...errorResponses(404) },
      },
    },
    async (req, reply) => {
      req.auditTarget = req.body.clubId;
      return reply.status(201).send(await ctx.enrollment.codeForClub(req.body.clubId, req.body.tags ?? [], actorOf(req)));
    },
  );

  app.get(
    '/v1/enrollments',
    {
      config: { permission: 'fleet.read' },
      schema: {
        tags: ['enrollment'],
        summary: 'Enrollment requests, newest first',
        querystring: Type.Object({ status: Type.Optional(Type.Enum(['pending', 'accepted', 'rejected', 'delivered'] as const)), limit: Type.Optional(Limit(500, 100)) }),
        response: { 200: Type.Object({ enrollments: Type.Array(EnrollmentView) }), ...errorResponses() },
      },
    },
    async (req) => ({ enrollments: (await ctx.enrollment.list(req.query.status, req.query.limit ?? 100)).map(view) }),
  );

  app.get(
    '/v1/enrollments/:enrollmentId',
    {
      config: { permission: 'fleet.read' },
      schema: { tags: ['enrollment'], summary: 'One enrollment request', params: EnrollmentParams, response: { 200: EnrollmentView, ...errorResponses(404) } },
    },
    async (req) => view(await ctx.enrollment.get(req.params.enrollmentId)),
  );

  for (const decision of ['accept', 'reject'] as const) {
    app.post(
      `/v1/enrollments/:enrollmentId/${decision}`,
      {
        config: { permission: 'boxes.manage', audit: `enrollment.${decision}` },
        schema: {
          tags: ['enrollment'],
          summary: decision === 'accept' ? 'Accept a pending request: the box receives its credentials on its next poll' : 'Reject a pending request',
          params: EnrollmentParams,
          body: Type.Object({ ticket: Type.Optional(Ticket) }, { additionalProperties: false }),
          response: { 200: EnrollmentView, ...errorResponses(404, 409) },
        },
      },
      async (req) => {
        const id = req.params.enrollmentId;
        const r = decision === 'accept' ? await ctx.enrollment.accept(id, actorOf(req)) : await ctx.enrollment.reject(id, actorOf(req));
        req.auditDetail = { boxId: r.boxId };
        return view(r);
      },
    );
  }
};
