import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  DiagnoseCommand,
  FetchLogsCommand,
  OpenLaneCommand,
  PrintTestTicketCommand,
  RestartAgentCommand,
  RestartDeviceCommand,
  RunDiagnosticsCommand,
  SetLockdownCommand,
} from '../../../protocol/mqtt/index.ts';
import type { CommandRequest } from '../../commands/command-center.ts';
import { MAX_COMMAND_TTL_MS } from '../../commands/command-center.ts';
import { actorOf } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { ticketOf } from '../audit.ts';
import { AnyJson, BoxId, EpochMs, Limit, Nullable, Ticket, errorResponses } from '../schemas.ts';

/**
 * The request body of each command kind: the contract's own `kind` and `args` schemas
 * (protocol/mqtt/schemas/commands.ts), plus an expiry and a ticket. What the API accepts is
 * exactly what the box will accept.
 */
const bodyOf = <K extends Type.TSchema, A extends Type.TSchema>(variant: Type.TObject<{ kind: K; args: A }>) =>
  Type.Object(
    {
      kind: variant.properties.kind,
      args: variant.properties.args,
      ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_COMMAND_TTL_MS / 1000, description: 'expiry after issue, default 60 s' })),
      ticket: Type.Optional(Ticket),
    },
    { additionalProperties: false },
  );

const CommandBody = Type.Union([
  bodyOf(OpenLaneCommand),
  bodyOf(RestartDeviceCommand),
  bodyOf(RestartAgentCommand),
  bodyOf(FetchLogsCommand),
  bodyOf(PrintTestTicketCommand),
  bodyOf(RunDiagnosticsCommand),
  bodyOf(SetLockdownCommand),
  bodyOf(DiagnoseCommand),
]);

export const CommandView = Type.Object({
  id: Type.String(),
  boxId: Type.String(),
  kind: Type.String(),
  args: AnyJson,
  createdAt: EpochMs,
  expiresAt: EpochMs,
  operator: Type.String(),
  ticket: Nullable(Type.String()),
  status: Type.Enum(['pending', 'succeeded', 'failed', 'expired', 'rejected'] as const),
  sent: Type.Boolean({ description: 'published to the broker (queued there if the box is offline)' }),
  result: AnyJson,
  updatedAt: EpochMs,
});

/** Remote commands: send one to a box, follow its status. */
export const commandRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.post(
    '/v1/boxes/:boxId/commands',
    {
      config: { permission: 'commands.send', audit: 'command.send' },
      schema: {
        tags: ['commands'],
        summary: 'Send a remote command (open a lane, restart a device or the agent, fetch logs, test ticket, diagnostics) with an expiry',
        params: Type.Object({ boxId: BoxId }),
        body: CommandBody,
        response: { 202: CommandView, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => {
      const { kind, args, ttlSeconds } = req.body;
      const cmd = await ctx.commands.send(req.params.boxId, { kind, args } as CommandRequest, ttlSeconds === undefined ? undefined : ttlSeconds * 1000, actorOf(req), ticketOf(req));
      req.auditDetail = { commandId: cmd.id, kind, args, expiresAt: cmd.expiresAt };
      return reply.status(202).send(cmd);
    },
  );

  app.get(
    '/v1/boxes/:boxId/commands',
    {
      config: { permission: 'fleet.read' },
      schema: {
        tags: ['commands'],
        summary: 'Recent commands of a box',
        params: Type.Object({ boxId: BoxId }),
        querystring: Type.Object({ limit: Type.Optional(Limit(500, 50)) }),
        response: { 200: Type.Object({ commands: Type.Array(CommandView) }), ...errorResponses() },
      },
    },
    async (req) => ({ commands: await ctx.commands.list({ boxId: req.params.boxId, limit: req.query.limit ?? 50 }) }),
  );

  app.get(
    '/v1/commands/:commandId',
    {
      config: { permission: 'fleet.read' },
      schema: {
        tags: ['commands'],
        summary: 'A command and its status: pending, succeeded, failed, expired or rejected',
        params: Type.Object({ commandId: Type.String({ pattern: '^cmd-[0-9a-f]{24}$' }) }),
        response: { 200: CommandView, ...errorResponses(404) },
      },
    },
    async (req) => ctx.commands.get(req.params.commandId),
  );
};
