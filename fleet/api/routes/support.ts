import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { createBundle } from '../../support/bundle.ts';
import { DoctorService } from '../../support/doctor.ts';
import { MemberViews } from '../../support/member-view.ts';
import { boxTimeline, TIMELINE_KINDS } from '../../support/timeline.ts';
import { actorOf } from '../auth.ts';
import { ticketOf } from '../audit.ts';
import type { ApiContext } from '../context.ts';
import { apiError } from '../errors.ts';
import { AnyJson, BoxId, EpochMs, Id, Limit, Nullable, Ticket, errorResponses } from '../schemas.ts';

const BoxParams = Type.Object({ boxId: BoxId });
const Window = Type.Object({ from: EpochMs, to: EpochMs });

const DoctorLine = Type.Object({
  kind: Type.String(),
  subject: Nullable(Type.String()),
  status: Type.Enum(['ok', 'warn', 'fail'] as const),
  durationMs: Type.Number(),
  code: Nullable(Type.String()),
  message: Type.String(),
  facts: AnyJson,
  advice: Nullable(Type.Object({ cause: Type.String(), nextStep: Type.String() })),
});
const DoctorViewSchema = Type.Object({
  commandId: Type.String(),
  boxId: Type.String(),
  status: Type.String(),
  requestedAt: EpochMs,
  operator: Type.String(),
  ticket: Nullable(Type.String()),
  report: Nullable(Type.Object({ startedAt: EpochMs, durationMs: Type.Number(), lines: Type.Array(DoctorLine), config: AnyJson })),
  counts: Type.Object({ ok: Type.Integer(), warn: Type.Integer(), fail: Type.Integer() }),
  problem: Nullable(Type.String({ description: 'the first failed line, or why there is no report' })),
});

/**
 * Support's diagnosis routes (docs/fleet-api.md, "Support diagnosis"): the member view,
 * the box doctor, the incident timeline and the escalation bundle.
 */
export const supportRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const queries = ctx.store.support;
  const clubRightsVersion = async (clubId: string) => ((await ctx.boxes.getClub(clubId)) ? ctx.store.rights.version(clubId) : null);
  const members = new MemberViews({ queries, boxes: ctx.boxes, clubRightsVersion, clubName: async (id) => (await ctx.boxes.getClub(id))?.name ?? null, now: () => ctx.clock.now() });
  const doctor = new DoctorService({ commands: ctx.commands, boxes: ctx.boxes, clubRightsVersion, clock: ctx.clock });
  const timeline = (boxId: string, from: number, to: number) => boxTimeline({ passes: ctx.passes, history: ctx.history, queries, boxExists: async (id) => (await ctx.boxes.get(id)) !== undefined }, boxId, from, to);

  app.get(
    '/v1/members',
    {
      config: { permission: 'rights.read' },
      schema: {
        tags: ['support'],
        summary: 'Find members by name (part of it, any case) or exact id, across clubs',
        querystring: Type.Object({ q: Type.String({ minLength: 2, maxLength: 120 }), limit: Type.Optional(Limit(200, 50)) }),
        response: { 200: Type.Object({ members: Type.Array(Type.Object({ clubId: Type.String(), memberId: Type.String(), name: Type.String() })) }), ...errorResponses() },
      },
    },
    async (req) => ({ members: await members.search(req.query.q, req.query.limit ?? 50) }),
  );

  app.get(
    '/v1/members/:memberId',
    {
      config: { permission: 'rights.read' },
      schema: {
        tags: ['support'],
        summary: "A member across clubs: rights at the fleet, each box's rights version, passes with their cause and explanation",
        params: Type.Object({ memberId: Id }),
        querystring: Type.Object({ passes: Type.Optional(Limit(1000, 100)) }),
        response: { 200: AnyJson, ...errorResponses(404) },
      },
    },
    async (req) => members.show(req.params.memberId, req.query.passes ?? 100),
  );

  app.post(
    '/v1/boxes/:boxId/doctor',
    {
      config: { permission: 'commands.send', audit: 'box.doctor' },
      schema: {
        tags: ['support'],
        summary: 'Run the box doctor now (devices polled, journal, disk, clock, broker, rights, backlog) and wait for its report (at most 20 s)',
        params: BoxParams,
        body: Type.Optional(Type.Object({ ticket: Type.Optional(Ticket) }, { additionalProperties: false })),
        response: { 200: DoctorViewSchema, ...errorResponses(404, 409, 504) },
      },
    },
    async (req) => {
      const view = await doctor.run(req.params.boxId, actorOf(req), ticketOf(req));
      req.auditDetail = { commandId: view.commandId, counts: view.counts, problem: view.problem };
      return view;
    },
  );

  app.get(
    '/v1/boxes/:boxId/doctor',
    {
      config: { permission: 'fleet.read' },
      schema: { tags: ['support'], summary: 'The latest doctor report of a box', params: BoxParams, response: { 200: Nullable(DoctorViewSchema), ...errorResponses(404) } },
    },
    async (req) => (await doctor.latest(req.params.boxId)) ?? null,
  );

  app.get(
    '/v1/boxes/:boxId/timeline',
    {
      config: { permission: 'passes.read' },
      schema: {
        tags: ['support'],
        summary: 'The incident timeline of a box over [from, to): passes, events, device states, alerts, commands, updates, configuration',
        params: BoxParams,
        querystring: Window,
        response: {
          200: Type.Object({
            boxId: Type.String(),
            from: EpochMs,
            to: EpochMs,
            entries: Type.Array(Type.Object({ at: EpochMs, kind: Type.Enum(TIMELINE_KINDS), severity: Type.String(), title: Type.String(), detail: AnyJson })),
            truncated: Type.Array(Type.String()),
          }),
          ...errorResponses(404),
        },
      },
    },
    async (req) => timeline(req.params.boxId, req.query.from, req.query.to),
  );

  app.post(
    '/v1/boxes/:boxId/bundle',
    {
      config: { permission: 'passes.read', audit: 'ticket.bundle' },
      schema: {
        tags: ['support'],
        summary: 'Escalation bundle (tar.gz): timeline, logs, configuration without secrets, health, devices, doctor report, release',
        params: BoxParams,
        body: Type.Object({ ...Window.properties, ticket: Type.Optional(Ticket) }, { additionalProperties: false }),
        response: { 200: Type.Unknown({ description: 'the archive, application/gzip' }), ...errorResponses(404) },
      },
    },
    async (req, reply) => {
      if (req.body.to > ctx.clock.now() + 60_000) throw apiError('TIME_RANGE_INVALID', 'the window ends in the future');
      const bundle = await createBundle({ boxes: ctx.boxes, history: ctx.history, queries, commands: ctx.commands, doctor, timeline, remoteConfig: (id) => ctx.config.view(id), clock: ctx.clock }, req.params.boxId, req.body.from, req.body.to, actorOf(req), ticketOf(req));
      req.auditDetail = { from: req.body.from, to: req.body.to, filename: bundle.filename, bytes: bundle.bytes.length, sha256: bundle.sha256, files: bundle.files };
      return reply.header('content-type', 'application/gzip').header('content-disposition', `attachment; filename="${bundle.filename}"`).header('x-bundle-sha256', bundle.sha256).send(bundle.bytes);
    },
  );
};
