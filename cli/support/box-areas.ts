import { integer, required, type CommandContext, type SupportArea } from './command.ts';
import { renderBox } from './box-show.ts';
import { followCommand, outcomeExit } from './commands-area.ts';
import { CliFailure, EXIT, type ApiBody } from './fleet-client.ts';
import { renderTable, text, when } from './table.ts';

const TICKET = { ticket: { type: 'string' } } as const;
const TICKET_HELP = '--ticket ID       support ticket, written to the audit log';

export const boxesArea: SupportArea = {
  name: 'boxes',
  summary: 'the boxes of the fleet',
  commands: [
    {
      name: 'list',
      summary: 'list boxes (filters combine)',
      args: [],
      options: { club: { type: 'string' }, tag: { type: 'string' }, status: { type: 'string' }, online: { type: 'boolean' }, offline: { type: 'boolean' } },
      optionHelp: ['--club CLUB       only this club', '--tag TAG         only boxes with this tag', '--status S        pending | active | revoked', '--online | --offline'],
      async run({ client, values, print }) {
        if (values.online && values.offline) throw new CliFailure('CLI_USAGE', '--online and --offline exclude each other', EXIT.usage);
        const online = values.online ? true : values.offline ? false : undefined;
        const body = await client.get('/v1/boxes', { clubId: values.club as string | undefined, tag: values.tag as string | undefined, status: values.status as string | undefined, online });
        print(body, () =>
          renderTable(
            ['BOX', 'CLUB', 'STATUS', 'ONLINE', 'HARDWARE', 'RELEASE', 'PREVIOUS', 'LAST SEEN', 'TAGS'],
            (body.boxes as ApiBody[]).map((b) => [b.id, text(b.clubId), b.status, b.online ? 'yes' : 'no', text(b.hardware), text(b.agentVersion), text(b.previousVersion), when(b.lastSeenAt), text(b.tags)]),
          ),
        );
        return EXIT.ok;
      },
    },
    {
      name: 'show',
      summary: 'one box: identity, connection, release, devices, open alerts, recent commands',
      args: ['BOX_ID'],
      options: { commands: { type: 'string' } },
      optionHelp: ['--commands N      how many recent commands (default 10)', '--json            the box as the API gives it, with openAlerts and recentCommands'],
      async run({ client, args, values, print }) {
        const id = encodeURIComponent(args[0] ?? '');
        const limit = integer(values, 'commands', 10, 1, 500);
        const box = await client.get(`/v1/boxes/${id}`);
        const [{ alerts }, { commands }] = await Promise.all([client.get('/v1/alerts', { boxId: box.id, status: 'open' }), client.get(`/v1/boxes/${id}/commands`, { limit })]);
        print({ ...box, openAlerts: alerts, recentCommands: commands }, () => renderBox({ box, openAlerts: alerts, recentCommands: commands }, Date.now()));
        return EXIT.ok;
      },
    },
  ],
};

export const alertsArea: SupportArea = {
  name: 'alerts',
  summary: 'alerts raised by the fleet (device offline, journal backlog...)',
  commands: [
    {
      name: 'list',
      summary: 'list alerts, newest first (default: open ones)',
      args: [],
      options: { status: { type: 'string' }, box: { type: 'string' }, club: { type: 'string' }, severity: { type: 'string' }, all: { type: 'boolean' } },
      optionHelp: ['--status S        open (default) | resolved', '--all             open and resolved', '--box BOX_ID      only this box', '--club CLUB       only this club', '--severity S      info | warning | critical'],
      async run({ client, values, print }) {
        const status = values.all ? undefined : ((values.status as string | undefined) ?? 'open');
        const body = await client.get('/v1/alerts', { status, boxId: values.box as string | undefined, clubId: values.club as string | undefined, severity: values.severity as string | undefined });
        print(body, () =>
          renderTable(
            ['ID', 'BOX', 'SEVERITY', 'STATUS', 'RULE', 'SUBJECT', 'OPENED', 'MESSAGE'],
            (body.alerts as ApiBody[]).map((a) => [String(a.id), a.boxId, a.severity, a.status, a.rule, a.subject, when(a.openedAt), a.message]),
          ),
        );
        return EXIT.ok;
      },
    },
  ],
};

const WAIT_HELP = '--wait SECONDS    how long to wait for the box to answer (default 30; 0: do not wait)';

/**
 * Sends a command and follows it until the box answers or `--wait` runs out. A command the
 * box did not carry out (failed, rejected, expired, no answer) exits with 4.
 */
async function sendAndFollow(ctx: CommandContext, boxId: string, body: object, render: (command: ApiBody) => string): Promise<number> {
  const wait = integer(ctx.values, 'wait', 30, 0, 3600);
  const ticket = ctx.values.ticket as string | undefined;
  const sent = await ctx.client.post(`/v1/boxes/${encodeURIComponent(boxId)}/commands`, { ...body, ttlSeconds: Math.max(wait, 30), ...(ticket ? { ticket } : {}) });
  const command = await followCommand(ctx.client, sent, 300, Date.now() + wait * 1000, () => undefined);
  ctx.print(command, () => render(command));
  if (command.status === 'pending') {
    if (wait === 0) return EXIT.ok;
    ctx.io.err(`CLI_NO_ANSWER: box ${boxId} did not answer command ${command.id} within ${wait} s (it expires at ${when(command.expiresAt)}; resabox commands follow ${command.id})`);
    return EXIT.notCarriedOut;
  }
  return outcomeExit(command, ctx.io);
}

const statusLine = (c: ApiBody) => `command ${c.id} (${c.kind}) on ${c.boxId}: ${c.status}${c.result?.message ? ` - ${c.result.message}` : ''}`;

export const laneArea: SupportArea = {
  name: 'lane',
  summary: 'act on a lane of a box',
  commands: [
    {
      name: 'open',
      summary: 'open a lane once, remotely (journaled on the box as a manual pass)',
      args: ['BOX_ID', 'LANE_ID'],
      options: { reason: { type: 'string' }, direction: { type: 'string' }, wait: { type: 'string' }, ...TICKET },
      optionHelp: ['--reason TEXT     why (required; journaled with the pass)', '--direction D     in (default) | out', WAIT_HELP, TICKET_HELP],
      run(ctx) {
        const direction = (ctx.values.direction as string | undefined) ?? 'in';
        if (direction !== 'in' && direction !== 'out') throw new CliFailure('CLI_USAGE', `--direction must be in or out, got ${JSON.stringify(direction)}`, EXIT.usage);
        const [boxId = '', laneId = ''] = ctx.args;
        return sendAndFollow(ctx, boxId, { kind: 'open-lane', args: { laneId, direction, reason: required(ctx.values, 'reason') } }, statusLine);
      },
    },
  ],
};

export const logsArea: SupportArea = {
  name: 'logs',
  summary: "a box's recent log lines",
  commands: [
    {
      name: 'fetch',
      summary: "fetch the last log lines of a box's agent (through a fetch-logs command)",
      args: ['BOX_ID'],
      options: { lines: { type: 'string' }, wait: { type: 'string' }, ...TICKET },
      optionHelp: ['--lines N         how many lines (1..5000, default 200)', WAIT_HELP, TICKET_HELP],
      run(ctx) {
        const lines = integer(ctx.values, 'lines', 200, 1, 5000);
        return sendAndFollow(ctx, ctx.args[0] ?? '', { kind: 'fetch-logs', args: { lines } }, (c) => {
          const got = c.result?.output?.lines;
          return Array.isArray(got) ? got.map((l: unknown) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') : statusLine(c);
        });
      },
    },
  ],
};
