import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { formatConfigError } from '../../agent/config/errors.ts';
import { parseConfigText, validateConfig } from '../../agent/config/load.ts';
import { configDiff } from '../../fleet/config/diff.ts';
import { required, type SupportArea } from './command.ts';
import { CliFailure, EXIT, type ApiBody, type FleetClient } from './fleet-client.ts';
import { renderTable, text, when } from './table.ts';

const FINAL = new Set(['applied', 'rejected', 'rolled-back']);

const state = (v: ApiBody): string => {
  const r = v.reported;
  const running = r ? `runs version ${r.runningVersion ?? r.version}${r.status ? ` (last: version ${r.version} ${r.status}${r.error ? `, ${r.error.code}: ${r.error.message}` : ''})` : ''}` : 'has not reported its configuration';
  const desired = v.desired ? `desired version ${v.desired.version} set by ${v.desired.setBy} (ticket ${text(v.desired.ticket)}) ${when(v.desired.setAt)}` : 'no desired configuration';
  return `${v.boxId} ${running}; ${desired}; ${v.inSync ? 'in sync' : 'NOT in sync'}`;
};

const diffTable = (diff: ApiBody[]) => renderTable(['PATH', 'DESIRED', 'REPORTED'], diff.map((d) => [d.path, text(d.desired), text(d.reported)]));

/** A configuration file, checked here exactly as `resabox-agent --check` does before it goes to the fleet. */
async function checkedFile(path: string): Promise<Record<string, unknown>> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (e) {
    throw new CliFailure('CLI_USAGE', `--file ${path}: ${(e as Error).message}`, EXIT.usage);
  }
  const parsed = parseConfigText(raw, path.endsWith('.json'));
  const valid = parsed.ok ? validateConfig(parsed.value) : parsed;
  if (!valid.ok) throw new CliFailure('CONFIG_REMOTE_INVALID', `${path} fails the checks of resabox-agent --check:\n${valid.error.map((e) => `  ${formatConfigError(e)}`).join('\n')}`, EXIT.apiError);
  return valid.value as unknown as Record<string, unknown>;
}

/** Waits until the box reported on the version just set (applied, rejected or rolled back). */
async function outcome(client: FleetClient, boxId: string, version: number, waitMs: number): Promise<ApiBody | null> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const v = await client.get(`/v1/boxes/${encodeURIComponent(boxId)}/config`);
    if (v.reported && v.reported.version === version && FINAL.has(v.reported.status)) return v;
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 500));
  }
}

export const configArea: SupportArea = {
  name: 'config',
  summary: "a box's configuration, set remotely (desired / reported)",
  commands: [
    {
      name: 'get',
      summary: 'the configuration the box runs (YAML), and where desired and reported stand',
      args: ['BOX_ID'],
      options: {},
      optionHelp: [],
      async run({ client, args, print }) {
        const v = await client.get(`/v1/boxes/${encodeURIComponent(args[0] ?? '')}/config`);
        print(v, () => `# ${state(v)}\n${v.reported?.config ? stringify(v.reported.config) : '# (no configuration reported yet)'}`);
        return EXIT.ok;
      },
    },
    {
      name: 'diff',
      summary: 'what differs between the desired configuration (or --file) and what the box runs',
      args: ['BOX_ID'],
      options: { file: { type: 'string' } },
      optionHelp: ['--file FILE       compare this file (YAML or JSON) with what the box runs, instead of the desired configuration'],
      async run({ client, values, args, print }) {
        const boxId = args[0] ?? '';
        const v = await client.get(`/v1/boxes/${encodeURIComponent(boxId)}/config`);
        if (!values.file) {
          print(v.diff, () => `# ${state(v)}\n${diffTable(v.diff)}`);
          return EXIT.ok;
        }
        const diff = configDiff(await checkedFile(values.file as string), v.reported?.config ?? {});
        print(diff, () => diffTable(diff));
        return EXIT.ok;
      },
    },
    {
      name: 'set',
      summary: 'check a configuration file as --check does, send it to the box, and wait for its answer',
      args: ['BOX_ID'],
      options: { file: { type: 'string' }, ticket: { type: 'string' }, wait: { type: 'string' } },
      optionHelp: ['--file FILE       the whole box configuration (YAML or JSON), as the box file', '--ticket ID       support ticket (required: every change is audited with it)', '--wait S          seconds to wait for the box (default 90; 0: do not wait)', 'exit codes: 0 applied, 4 rejected or rolled back by the box, 6 no answer in time'],
      async run({ client, values, args, io, print }) {
        const boxId = args[0] ?? '';
        const config = await checkedFile(required(values, 'file'));
        const ticket = required(values, 'ticket');
        const waitS = values.wait === undefined ? 90 : Number(values.wait);
        if (!Number.isFinite(waitS) || waitS < 0) throw new CliFailure('CLI_USAGE', '--wait must be a number of seconds', EXIT.usage);
        const set = await client.put(`/v1/boxes/${encodeURIComponent(boxId)}/config`, { config, ticket });
        const version = set.desired.version as number;
        if (!values.json) io.out(`sent version ${version} to ${boxId} (${set.diff.length} change(s)): ${set.diff.map((d: ApiBody) => d.path).join(', ') || 'none'}`);
        if (waitS === 0) return EXIT.ok;
        const done = await outcome(client, boxId, version, waitS * 1000);
        if (!done) {
          io.err(`CONFIG_NO_ANSWER: ${boxId} did not report on version ${version} within ${waitS} s (it applies it when it is online)`);
          return 6;
        }
        const r = done.reported;
        print(done, () => `${boxId}: version ${version} ${r.status}${r.error ? ` - ${r.error.code}: ${r.error.message}` : ''}${r.errors?.length ? `\n${r.errors.map((e: ApiBody) => `  ${e.message}`).join('\n')}` : ''}`);
        if (r.status === 'applied') return EXIT.ok;
        // The outcome above is data (stdout, or --json); the failure itself is a coded line on stderr.
        const code = r.status === 'rejected' ? 'CONFIG_REJECTED' : 'CONFIG_ROLLED_BACK';
        io.err(`${code}: ${boxId} ${r.status === 'rejected' ? 'rejected' : 'rolled back'} version ${version}${r.error ? `: ${r.error.code}: ${r.error.message}` : ''}; it runs version ${r.runningVersion ?? '?'}`);
        return EXIT.notCarriedOut;
      },
    },
  ],
};
