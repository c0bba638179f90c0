import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { ApiContext } from '../context.ts';
import { apiError } from '../errors.ts';
import { AnyJson, BoxId, EpochMs, Limit, Nullable, Role, Ticket, errorResponses } from '../schemas.ts';

const TokenView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Role,
  createdAt: EpochMs,
  expiresAt: Nullable(EpochMs),
  revokedAt: Nullable(EpochMs),
  lastUsedAt: Nullable(EpochMs),
});

const AuditView = Type.Object({
  id: Type.Integer(),
  at: EpochMs,
  actor: Type.String(),
  actorRole: Nullable(Type.String()),
  action: Type.String(),
  target: Nullable(Type.String()),
  ticket: Nullable(Type.String()),
  detail: AnyJson,
  sourceIp: Nullable(Type.String()),
  outcome: Type.Enum(['done', 'refused'] as const, { description: 'done: the call was carried out (HTTP status below 400); refused: it was not' }),
  command: Nullable(
    Type.Object(
      {
        id: Type.String(),
        kind: Type.String(),
        status: Type.String({ description: 'pending, sent, succeeded, failed, expired or rejected, as now' }),
        error: Nullable(Type.String({ description: "the box's error message when it failed or rejected it" })),
      },
      { description: 'for command.send: the command sent and how it ended' },
    ),
  ),
});

/** The box's error message in a stored command result (`error: { code, message }`), if any. */
function resultError(result: unknown): string | null {
  const e = (result as { error?: { code?: unknown; message?: unknown } | null } | null)?.error;
  return e && typeof e.message === 'string' ? `${e.message}${typeof e.code === 'string' ? ` (${e.code})` : ''}` : null;
}

/** API tokens and the audit log. */
export const adminRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/v1/tokens',
    {
      config: { permission: 'tokens.manage' },
      schema: { tags: ['admin'], summary: 'API tokens (never the tokens themselves)', response: { 200: Type.Object({ tokens: Type.Array(TokenView) }), ...errorResponses() } },
    },
    async () => ({ tokens: await ctx.tokens.list() }),
  );

  app.post(
    '/v1/tokens',
    {
      config: { permission: 'tokens.manage', audit: 'token.create' },
      schema: {
        tags: ['admin'],
        summary: 'Create an API token; the token is in this answer only',
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 80 }), role: Role, expiresAt: Type.Optional(EpochMs), ticket: Type.Optional(Ticket) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ token: Type.String(), info: TokenView }), ...errorResponses() },
      },
    },
    async (req, reply) => {
      // A token born expired would be printed once and never work.
      if (req.body.expiresAt !== undefined && req.body.expiresAt <= ctx.clock.now()) throw apiError('TOKEN_EXPIRY_PAST', undefined, { expiresAt: req.body.expiresAt, now: ctx.clock.now() });
      const { token, row } = await ctx.tokens.create(req.body.name, req.body.role, ctx.clock.now(), req.body.expiresAt ?? null);
      req.auditTarget = row.id;
      req.auditDetail = { name: row.name, role: row.role };
      return reply.status(201).send({ token, info: row });
    },
  );

  app.post(
    '/v1/tokens/:tokenId/revoke',
    {
      config: { permission: 'tokens.manage', audit: 'token.revoke' },
      schema: {
        tags: ['admin'],
        summary: 'Revoke an API token at once',
        params: Type.Object({ tokenId: Type.String({ pattern: '^tok_[0-9a-f]{12}$' }) }),
        body: Type.Object({ ticket: Type.Optional(Ticket) }, { additionalProperties: false }),
        response: { 200: TokenView, ...errorResponses(404, 409) },
      },
    },
    async (req) => {
      const id = req.params.tokenId;
      const row = await ctx.tokens.get(id);
      if (!row) throw apiError('TOKEN_NOT_FOUND');
      const now = ctx.clock.now();
      // Keep one way in: revoking the last admin token would lock everyone out of the API.
      if (row.role === 'admin' && row.revokedAt === null && (await ctx.tokens.countActiveAdmins(now)) <= 1) throw apiError('API_CONFLICT', 'this is the last admin token');
      if (!(await ctx.tokens.revoke(id, now))) throw apiError('API_CONFLICT', 'the token is already revoked');
      const revoked = await ctx.tokens.get(id);
      if (!revoked) throw apiError('TOKEN_NOT_FOUND');
      return revoked;
    },
  );

  app.get(
    '/v1/audit',
    {
      config: { permission: 'audit.read' },
      schema: {
        tags: ['admin'],
        summary: 'The audit log of state-changing calls, newest first; a sent command with its kind and outcome',
        querystring: Type.Object({
          actor: Type.Optional(Type.String({ maxLength: 200 })),
          action: Type.Optional(Type.String({ maxLength: 64 })),
          target: Type.Optional(Type.String({ maxLength: 200 })),
          boxId: Type.Optional(BoxId),
          ticket: Type.Optional(Ticket),
          from: Type.Optional(EpochMs),
          to: Type.Optional(EpochMs),
          before: Type.Optional(Type.Integer({ minimum: 1, description: 'rows older than this entry id (the previous page\'s nextBefore)' })),
          limit: Type.Optional(Limit(1000, 100)),
        }),
        response: {
          200: Type.Object({
            entries: Type.Array(AuditView),
            nextBefore: Nullable(Type.Integer({ description: 'pass as `before` for the next page; null on the last one' })),
            actions: Type.Array(Type.String(), { description: 'every action the API audits' }),
          }),
          ...errorResponses(),
        },
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 100;
      const rows = await ctx.audit.query({ ...req.query, limit });
      const entries = await Promise.all(
        rows.map(async (e) => {
          const detail = (e.detail ?? {}) as { status?: unknown; commandId?: unknown };
          const cmd = typeof detail.commandId === 'string' ? await ctx.store.commands.get(detail.commandId) : undefined;
          return {
            ...e,
            outcome: typeof detail.status === 'number' && detail.status >= 400 ? ('refused' as const) : ('done' as const),
            command: cmd ? { id: cmd.id, kind: cmd.kind, status: cmd.status, error: resultError(cmd.result) } : null,
          };
        }),
      );
      const last = rows[rows.length - 1];
      return { entries, nextBefore: rows.length === limit && last ? last.id : null, actions: ctx.auditActions() };
    },
  );
};
