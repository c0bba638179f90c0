import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliFailure, EXIT, FleetClient, type ApiBody } from './fleet-client.ts';

/** Where a command writes and what it reads from the environment (tests capture both). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const processIo: CliIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  env: process.env,
};

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CommandContext {
  readonly client: FleetClient;
  readonly values: Values;
  readonly args: readonly string[];
  readonly io: CliIo;
  /** Prints `value` as JSON with --json, else the human text `render()` makes of it. */
  print(value: ApiBody, render: () => string): void;
}

export interface SupportCommand {
  readonly name: string;
  readonly summary: string;
  /** Positional arguments, in order (`BOX_ID`); a trailing `?` marks an optional one (`MEMBER_ID?`). */
  readonly args: readonly string[];
  readonly options: ParseArgsOptionsConfig;
  /** One line per option, shown by --help. */
  readonly optionHelp: readonly string[];
  run(ctx: CommandContext): Promise<number>;
}

export interface SupportArea {
  readonly name: string;
  readonly summary: string;
  readonly commands: readonly SupportCommand[];
}

const COMMON: ParseArgsOptionsConfig = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const COMMON_HELP = [
  '--url URL        fleet API address (env RESABOX_URL), e.g. https://fleet.example.org',
  '--token TOKEN    API token (env RESABOX_TOKEN; prefer the variable: a flag shows in ps)',
  '--json           print the API answer as JSON instead of a table',
  '--help           this help',
];

export function commandHelp(area: SupportArea, c: SupportCommand): string {
  const args = c.args.map((a) => (a.endsWith('?') ? ` [${a.slice(0, -1)}]` : ` ${a}`)).join('');
  return [`usage: resabox ${area.name} ${c.name}${args} [options]`, '', c.summary, '', 'options:', ...[...c.optionHelp, ...COMMON_HELP].map((l) => `  ${l}`), '', 'Exit codes: 0 ok, 1 the fleet refused (coded error), 2 usage, 3 fleet unreachable, 4 the box did not carry the command out (docs/cli.md lists every code).'].join('\n');
}

export function areaHelp(area: SupportArea): string {
  const width = Math.max(...area.commands.map((c) => c.name.length));
  return [`usage: resabox ${area.name} <command> [options]`, '', area.summary, '', 'commands:', ...area.commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`), '', `resabox ${area.name} <command> --help for its options`].join('\n');
}

/** Parses and runs one `resabox <area> <command> ...`; returns the exit code, never throws. */
export async function runArea(area: SupportArea, argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    if (name) io.out(areaHelp(area));
    else io.err(`CLI_USAGE: resabox ${area.name} needs a command\n\n${areaHelp(area)}`);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = area.commands.find((c) => c.name === name);
  if (!command) {
    io.err(`CLI_USAGE: resabox ${area.name}: unknown command ${JSON.stringify(name)}\n\n${areaHelp(area)}`);
    return EXIT.usage;
  }
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...rest], options: { ...COMMON, ...command.options }, allowPositionals: true, strict: true }));
  } catch (e) {
    io.err(`CLI_USAGE: ${(e as Error).message}\n\n${commandHelp(area, command)}`);
    return EXIT.usage;
  }
  if (values.help) {
    io.out(commandHelp(area, command));
    return EXIT.ok;
  }
  const requiredArgs = command.args.filter((a) => !a.endsWith('?')).length;
  if (positionals.length < requiredArgs || positionals.length > command.args.length) {
    io.err(`CLI_USAGE: expected ${command.args.join(' ') || 'no arguments'}, got ${positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(' ')}\n\n${commandHelp(area, command)}`);
    return EXIT.usage;
  }
  const url = (values.url as string | undefined) ?? io.env.RESABOX_URL;
  const token = (values.token as string | undefined) ?? io.env.RESABOX_TOKEN;
  if (!url || !token) {
    io.err(`CLI_USAGE: ${!url ? 'the fleet address (--url or RESABOX_URL)' : 'an API token (--token or RESABOX_TOKEN)'} is required`);
    return EXIT.usage;
  }
  const json = values.json === true;
  try {
    if (!/^https?:\/\//.test(url)) throw new CliFailure('CLI_USAGE', `--url must start with http:// or https://, got ${JSON.stringify(url)}`, EXIT.usage);
    return await command.run({
      client: new FleetClient({ url, token }),
      values,
      args: positionals,
      io,
      print: (value, render) => io.out(json ? JSON.stringify(value, null, 2) : render()),
    });
  } catch (e) {
    if (e instanceof CliFailure) {
      io.err(`${e.code}${e.status ? ` (HTTP ${e.status})` : ''}: ${e.message}${hint(e.code)}`);
      return e.exitCode;
    }
    io.err(`CLI_INTERNAL: ${(e as Error).message}`);
    return EXIT.apiError;
  }
}

function hint(code: string): string {
  if (code === 'API_UNAUTHENTICATED') return '\n  (check RESABOX_TOKEN: unknown, expired or revoked token)';
  if (code === 'API_FORBIDDEN') return "\n  (this token's role lacks the permission; see docs/fleet-api.md, roles)";
  return '';
}

/** A required string option, or a usage failure naming it. */
export function required(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.length === 0) throw new CliFailure('CLI_USAGE', `--${name} is required`, EXIT.usage);
  return v;
}

/** A positive integer option within bounds, or a usage failure. */
export function integer(values: Values, name: string, fallback: number, min: number, max: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliFailure('CLI_USAGE', `--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`, EXIT.usage);
  return n;
}
