import type { CliIo, SupportArea } from './command.ts';
import { commandOutcomeCode } from './errors.ts';
import { CliFailure, EXIT, type ApiBody, type FleetClient } from './fleet-client.ts';
import { fields, span } from './readable.ts';
import { text, when } from './table.ts';

/** One line per state of a command: what `follow` prints at each change. */
export function commandLine(c: ApiBody, now: number): string {
  const where = c.status === 'pending' ? (c.sent ? `sent, waiting for ${c.boxId} (expires in ${span(c.expiresAt - now)})` : `not sent yet (the broker link is down), expires ${when(c.expiresAt)}`) : '';
  const result = c.result?.error ? `${c.result.error.code}: ${c.result.error.message}` : (c.result?.message ?? '');
  return `${when(c.updatedAt)}  ${c.id} ${c.kind} on ${c.boxId}: ${c.status}${where ? `, ${where}` : ''}${result ? ` - ${result}` : ''}`;
}

/** A command as sections of readable fields. */
export function renderCommand(c: ApiBody, now: number): string {
  const rows: [string, string][] = [
    ['command', c.id],
    ['box', c.boxId],
    ['kind', c.kind],
    ['arguments', fields(c.args, [], 1000)[0] ?? '-'],
    ['operator', c.operator],
    ['ticket', text(c.ticket)],
    ['created', when(c.createdAt)],
    ['expires', `${when(c.expiresAt)}${c.status === 'pending' ? ` (in ${span(c.expiresAt - now)})` : ''}`],
    ['status', c.status],
    ['sent to the broker', c.sent ? 'yes' : 'no'],
    ['updated', when(c.updatedAt)],
  ];
  if (c.result?.message) rows.push(['result', c.result.message]);
  if (c.result?.error) rows.push(['error', `${c.result.error.code}: ${c.result.error.message}`]);
  const out = c.result?.output;
  if (Array.isArray(out?.lines)) rows.push(['output', `${out.lines.length} log lines (resabox commands show ID --json, or resabox logs fetch)`]);
  else if (out && typeof out === 'object') rows.push(['output', fields(out, [], 1000)[0] ?? '-']);
  return rows.map(([k, v]) => `${k.padEnd(20)} ${v}`).join('\n');
}

/**
 * The exit code of a command that ended: 0 succeeded, 4 otherwise, with its coded line on
 * stderr (docs/cli.md). A command still pending is the caller's to judge.
 */
export function outcomeExit(c: ApiBody, io: CliIo): number {
  if (c.status === 'succeeded') return EXIT.ok;
  const error = c.result?.error;
  io.err(`${commandOutcomeCode(c.status)}: ${error?.code ? `${error.code}: ${error.message}` : (c.result?.message ?? 'no detail')}`);
  return EXIT.notCarriedOut;
}

/** Polls a command every `intervalMs` until it ends or `deadline` (epoch ms) passes; `onChange` sees each new state. */
export async function followCommand(client: FleetClient, first: ApiBody, intervalMs: number, deadline: number, onChange: (c: ApiBody) => void): Promise<ApiBody> {
  let c = first;
  let last = '';
  for (;;) {
    const key = `${c.status}|${c.sent}|${c.updatedAt}`;
    if (key !== last) {
      last = key;
      onChange(c);
    }
    if (c.status !== 'pending' || Date.now() + intervalMs > deadline) return c;
    await new Promise((r) => setTimeout(r, intervalMs));
    c = await client.get(`/v1/commands/${encodeURIComponent(c.id)}`);
  }
}

function interval(v: unknown): number {
  if (v === undefined) return 1000;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0.1 || n > 60) throw new CliFailure('CLI_USAGE', `--interval must be 0.1 to 60 seconds, got ${JSON.stringify(v)}`, EXIT.usage);
  return n * 1000;
}

const ID_HELP = 'COMMAND_ID is cmd-... as printed by lane open, logs fetch or boxes show';

export const commandsArea: SupportArea = {
  name: 'commands',
  summary: 'remote commands sent to boxes: their status and result',
  commands: [
    {
      name: 'show',
      summary: 'one command: what was asked, by whom, its status and result',
      args: ['COMMAND_ID'],
      options: {},
      optionHelp: [ID_HELP],
      async run({ client, args, print }) {
        const c = await client.get(`/v1/commands/${encodeURIComponent(args[0] ?? '')}`);
        print(c, () => renderCommand(c, Date.now()));
        return EXIT.ok;
      },
    },
    {
      name: 'follow',
      summary: 'follow a command until it ends; exit 0 if the box carried it out, 4 if it failed, was rejected or expired',
      args: ['COMMAND_ID'],
      options: { interval: { type: 'string' } },
      optionHelp: [ID_HELP, '--interval S      seconds between two looks at the fleet (default 1)', 'prints a line at each change (--json: the command as JSON); ends when the command does: at the latest at its expiry'],
      async run({ client, args, values, io }) {
        const every = interval(values.interval);
        const first = await client.get(`/v1/commands/${encodeURIComponent(args[0] ?? '')}`);
        const json = values.json === true;
        const end = await followCommand(client, first, every, Number.POSITIVE_INFINITY, (c) => io.out(json ? JSON.stringify(c) : commandLine(c, Date.now())));
        return outcomeExit(end, io);
      },
    },
  ],
};
