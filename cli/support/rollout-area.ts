import { integer, required, type SupportArea } from './command.ts';
import { CliFailure, EXIT, type ApiBody } from './fleet-client.ts';
import { renderTable, text, when } from './table.ts';
import { watchCommand } from './rollout-watch.ts';

const progress = (r: ApiBody) =>
  Object.entries((r.progress?.total ?? {}) as Record<string, number>)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s}:${n}`)
    .join(' ') || '-';

/** Waves are numbered from 1 as in the API and the dashboard (wave 1 is the canary when there is one). */
const rolloutRow = (r: ApiBody) => [r.id, r.name, r.version, r.state, `${r.currentWave}/${r.waveCount}`, progress(r), when(r.updatedAt)];
const ROLLOUT_HEADERS = ['ROLLOUT', 'NAME', 'VERSION', 'STATE', 'WAVE', 'BOXES', 'UPDATED'];

function list(values: Record<string, unknown>, name: string): string[] | undefined {
  const v = values[name];
  return Array.isArray(v) && v.length > 0 ? (v as string[]) : undefined;
}

function percents(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const parts = raw.split(',').map(Number);
  if (parts.some((p) => !Number.isFinite(p) || p <= 0 || p > 100) || parts.at(-1) !== 100) {
    throw new CliFailure('CLI_USAGE', `--waves must be cumulative percentages ending at 100, e.g. 10,50,100; got ${JSON.stringify(raw)}`, EXIT.usage);
  }
  return parts;
}

const BOX_HEADERS = ['BOX', 'WAVE', 'STATE', 'BOX STEP', 'ATTEMPTS', 'ERROR', 'LAST CHANGE'];
const boxRow = (b: ApiBody) => [b.boxId, String(b.wave), b.state, text(b.updateState), String(b.attempts), b.lastError ? `${b.lastError.code}: ${b.lastError.message}` : '-', when(b.lastChangeAt)];

const action = (name: 'start' | 'pause' | 'resume' | 'cancel' | 'retry-failed', summary: string) => ({
  name,
  summary,
  args: ['ROLLOUT_ID'],
  options: { ticket: { type: 'string' } } as const,
  optionHelp: ['--ticket ID       support ticket, written to the audit log'],
  async run({ client, values, args, print }: Parameters<SupportArea['commands'][number]['run']>[0]) {
    const ticket = values.ticket as string | undefined;
    const r = await client.post(`/v1/rollouts/${encodeURIComponent(args[0] ?? '')}/${name}`, ticket ? { ticket } : {});
    print(r, () => renderTable(ROLLOUT_HEADERS, [rolloutRow(r)]));
    return EXIT.ok;
  },
});

export const rolloutArea: SupportArea = {
  name: 'rollout',
  summary: 'staged software updates of the boxes',
  commands: [
    {
      name: 'list',
      summary: 'list rollouts, newest first',
      args: [],
      options: { state: { type: 'string' } },
      optionHelp: ['--state S         only rollouts in this state (draft, running, paused, halted, ...)'],
      async run({ client, values, print }) {
        const body = await client.get('/v1/rollouts', { state: values.state as string | undefined });
        print(body, () => renderTable(ROLLOUT_HEADERS, (body.rollouts as ApiBody[]).map(rolloutRow)));
        return EXIT.ok;
      },
    },
    {
      name: 'show',
      summary: 'one rollout: its progress, the actions valid now, and every box with its state and error',
      args: ['ROLLOUT_ID'],
      options: {},
      optionHelp: [],
      async run({ client, args, print }) {
        const id = encodeURIComponent(args[0] ?? '');
        const r = await client.get(`/v1/rollouts/${id}`);
        const { boxes } = await client.get(`/v1/rollouts/${id}/boxes`);
        print({ ...r, boxes }, () =>
          [
            renderTable(ROLLOUT_HEADERS, [rolloutRow(r)]),
            ...(r.haltReason ? [`halted: ${r.haltReason}`] : []),
            `target: ${text(r.target)}`,
            `actions: ${(r.validActions as string[]).join(', ') || 'none'}`,
            '',
            renderTable(BOX_HEADERS, (boxes as ApiBody[]).map(boxRow)),
          ].join('\n'),
        );
        return EXIT.ok;
      },
    },
    watchCommand,
    {
      name: 'create',
      summary: 'create a rollout of an uploaded, signed artifact (a draft unless --start)',
      args: [],
      options: {
        name: { type: 'string' },
        version: { type: 'string' },
        artifact: { type: 'string' },
        hardware: { type: 'string' },
        channel: { type: 'string' },
        box: { type: 'string', multiple: true },
        club: { type: 'string', multiple: true },
        tag: { type: 'string', multiple: true },
        canary: { type: 'string' },
        waves: { type: 'string' },
        'error-threshold': { type: 'string' },
        'outside-opening-hours': { type: 'boolean' },
        start: { type: 'boolean' },
        ticket: { type: 'string' },
      },
      optionHelp: [
        '--name TEXT              rollout name (required)',
        '--version V              agent version of the release (required)',
        '--artifact TARGET_NAME   the uploaded bundle, as signed into targets.json (required)',
        '--hardware H             hardware model the release is for (required)',
        '--channel C              default stable',
        '--box ID, --club ID, --tag T   target: boxes matching any (repeat each; at least one)',
        '--canary N               boxes in the canary wave (default: the fleet default)',
        '--waves 10,50,100        cumulative percentages of the later waves',
        '--error-threshold PCT    halt when this share of a wave fails',
        '--outside-opening-hours  install only while the club is closed',
        '--start                  start at once instead of leaving a draft',
        '--ticket ID              support ticket, written to the audit log',
      ],
      async run({ client, values, print }) {
        const target = { boxes: list(values, 'box'), clubs: list(values, 'club'), tags: list(values, 'tag') };
        if (!target.boxes && !target.clubs && !target.tags) throw new CliFailure('CLI_USAGE', 'a target is required: --box, --club or --tag', EXIT.usage);
        const wavePercents = percents(values.waves as string | undefined);
        const canary = values.canary === undefined ? undefined : integer(values, 'canary', 0, 0, 1000);
        const errorPct = values['error-threshold'] === undefined ? undefined : integer(values, 'error-threshold', 0, 0, 100);
        const body = {
          name: required(values, 'name'),
          version: required(values, 'version'),
          targetName: required(values, 'artifact'),
          hardware: required(values, 'hardware'),
          ...(values.channel ? { channel: values.channel } : {}),
          target: Object.fromEntries(Object.entries(target).filter(([, v]) => v !== undefined)),
          ...(wavePercents || canary !== undefined ? { waves: { canary: canary ?? 1, percents: wavePercents ?? [100] } } : {}),
          ...(errorPct !== undefined ? { errorThresholdPct: errorPct } : {}),
          ...(values['outside-opening-hours'] ? { maintenance: { outsideOpeningHours: true } } : {}),
          ...(values.ticket ? { ticket: values.ticket } : {}),
          ...(values.start ? { start: true } : {}),
        };
        const r = await client.post('/v1/rollouts', body);
        print(r, () => renderTable(ROLLOUT_HEADERS, [rolloutRow(r)]));
        return EXIT.ok;
      },
    },
    action('start', 'start a draft rollout'),
    action('pause', 'pause a running rollout (boxes already updating finish)'),
    action('resume', 'resume a paused rollout'),
    action('cancel', 'cancel a rollout (boxes not yet committed get an abort job)'),
    action('retry-failed', 'retry only the boxes that failed or rolled back (one more attempt each)'),
  ],
};
