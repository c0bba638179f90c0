import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { required, type CommandContext, type SupportArea, type SupportCommand } from './command.ts';
import { CliFailure, EXIT, type ApiBody } from './fleet-client.ts';
import { renderTable, text, when } from './table.ts';

const TICKET_HELP = '--ticket ID       support ticket, written to the audit log';
const HOUR = 3_600_000;

/**
 * A time on the command line: `now`, an age (`30m`, `2h`, `3d` ago), epoch milliseconds, or
 * an ISO 8601 date-time (`2026-06-10T08:00`, local time unless it carries a zone).
 */
export function parseTime(value: string, name: string, now: number): number {
  if (value === 'now') return now;
  const age = /^(\d+)(m|h|d)$/.exec(value);
  if (age) return now - Number(age[1]) * { m: 60_000, h: HOUR, d: 24 * HOUR }[age[2] as 'm' | 'h' | 'd'];
  if (/^\d{10,}$/.test(value)) return Number(value);
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new CliFailure('CLI_USAGE', `--${name} must be now, an age (30m, 2h, 3d), epoch ms or an ISO date-time; got ${JSON.stringify(value)}`, EXIT.usage);
  return parsed;
}

const memberShow: SupportCommand = {
  name: 'show',
  summary: "a member across clubs: passes with the cause in plain words, rights at the fleet, each box's rights version",
  args: ['MEMBER_ID?'],
  options: { name: { type: 'string' }, passes: { type: 'string' }, explain: { type: 'boolean' } },
  optionHelp: ['--name TEXT       find the member by (part of) the name instead of the id', '--passes N        how many recent passes (default 20)', '--explain         show each refusal with the rules the box evaluated and their facts'],
  async run(ctx) {
    const { client, values, args, io } = ctx;
    let memberId = args[0];
    if (memberId === undefined) {
      const name = values.name;
      if (typeof name !== 'string' || name.length < 2) throw new CliFailure('CLI_USAGE', 'give a MEMBER_ID or --name TEXT (2 characters or more)', EXIT.usage);
      const { members } = await client.get('/v1/members', { q: name, limit: 20 });
      if (members.length === 0) throw new CliFailure('MEMBER_NOT_FOUND', `no member's name contains ${JSON.stringify(name)}`, EXIT.apiError);
      if (members.length > 1) {
        io.out(renderTable(['MEMBER', 'CLUB', 'NAME'], (members as ApiBody[]).map((m) => [m.memberId, m.clubId, m.name])));
        throw new CliFailure('CLI_AMBIGUOUS', `${members.length} members match ${JSON.stringify(name)}: run resabox member show MEMBER_ID`, EXIT.apiError);
      }
      memberId = members[0].memberId as string;
    } else if (values.name !== undefined) throw new CliFailure('CLI_USAGE', 'give a MEMBER_ID or --name, not both', EXIT.usage);
    const limit = values.passes === undefined ? 20 : Number(values.passes);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliFailure('CLI_USAGE', '--passes must be 1 to 1000', EXIT.usage);
    const v = await client.get(`/v1/members/${encodeURIComponent(memberId)}`, { passes: limit });
    ctx.print(v, () => renderMember(v, values.explain === true));
    return EXIT.ok;
  },
};

function renderMember(v: ApiBody, explain: boolean): string {
  const clubs = v.clubs as ApiBody[];
  const out = [`Member ${v.memberId}: ${clubs.map((c) => c.displayName).filter((n, i, all) => all.indexOf(n) === i).join(' / ') || '(not in any club now)'}`, ''];
  out.push(
    renderTable(
      ['CLUB', 'FLEET RIGHTS', 'SUBSCRIPTION END', 'BLOCKING ALERTS'],
      clubs.map((c) => [`${c.clubId}${c.clubName ? ` (${c.clubName})` : ''}`, `v${text(c.fleetRightsVersion)}`, when(c.subscriptionEnd), text((c.blockingAlerts as ApiBody[]).map((a) => a.message))]),
    ),
    '',
    'Rights at the fleet:',
    renderTable(
      ['CLUB', 'RIGHT', 'KIND', 'ZONES', 'VALID FROM', 'VALID TO', 'VISITS LEFT', 'STATE'],
      clubs.flatMap((c) => (c.rights as ApiBody[]).map((r) => [c.clubId, r.id, r.kind, text(r.zoneIds), when(r.validFrom), when(r.validTo), text(r.visitsLeft), r.state])),
    ),
    '',
    'Boxes of these clubs (the rights version each decides with):',
    renderTable(
      ['CLUB', 'BOX', 'ONLINE', 'RIGHTS', 'BEHIND'],
      clubs.flatMap((c) => (c.boxes as ApiBody[]).map((b) => [c.clubId, b.boxId, b.online ? 'yes' : 'no', `v${text(b.rightsVersion)}`, b.behindBy === null ? '-' : b.behindBy > 0 ? `yes, by ${b.behindBy}` : 'no'])),
    ),
    '',
    'Passes, newest first:',
    renderTable(
      ['WHEN', 'BOX', 'LANE', 'DIR', 'OUTCOME', 'CAUSE'],
      (v.passes as ApiBody[]).map((p) => [when(p.at), p.boxId, p.lane, text(p.direction), text(p.outcome), p.summary]),
    ),
  );
  if (explain) {
    for (const p of (v.passes as ApiBody[]).filter((x) => x.explanation)) {
      out.push('', `${when(p.at)} ${p.boxId} ${p.lane}: ${p.summary}`, `  rights version ${p.explanation.rightsVersion}, time zone ${text(p.explanation.tz)}${p.explanation.truncated ? `, cut: ${p.explanation.truncated}` : ''}`);
      for (const r of p.explanation.rules as ApiBody[]) out.push(`  ${String(r.outcome).toUpperCase().padEnd(4)} ${String(r.rule).padEnd(15)} ${r.facts ? JSON.stringify(r.facts) : ''}`);
    }
  } else if ((v.passes as ApiBody[]).some((p) => p.explanation)) out.push('', '(--explain shows the rules and facts behind each refusal)');
  return out.join('\n');
}

export const memberArea: SupportArea = { name: 'member', summary: 'members: why one was refused, their rights, the rights version of each box', commands: [memberShow] };

export const boxDoctor: SupportCommand = {
  name: 'doctor',
  summary: 'run the box doctor now: each device polled, journal, disk, clock, broker, rights, backlog (with causes and next steps)',
  args: ['BOX_ID'],
  options: { ticket: { type: 'string' } },
  optionHelp: [TICKET_HELP],
  async run({ client, args, values, print }) {
    const ticket = values.ticket as string | undefined;
    const v = await client.post(`/v1/boxes/${encodeURIComponent(args[0] ?? '')}/doctor`, ticket ? { ticket } : {}, ticket);
    print(v, () => renderDoctor(v));
    return EXIT.ok;
  },
};

function renderDoctor(v: ApiBody): string {
  if (!v.report) return `Doctor ${v.commandId} on ${v.boxId}: no report (${v.problem ?? v.status})`;
  const lines = v.report.lines as ApiBody[];
  const out = [
    `Doctor on ${v.boxId} (${when(v.report.startedAt)}, ${Math.round(v.report.durationMs)} ms): ${v.counts.fail} failed, ${v.counts.warn} warnings, ${v.counts.ok} ok`,
    '',
    renderTable(['STATUS', 'CHECK', 'TIME', 'RESULT'], lines.map((l) => [String(l.status).toUpperCase(), `${l.kind}${l.subject ? ` ${l.subject}` : ''}`, `${l.durationMs} ms`, `${l.message}${l.code ? ` [${l.code}]` : ''}`])),
  ];
  for (const l of lines.filter((x) => x.advice)) out.push('', `${String(l.status).toUpperCase()} ${l.kind}${l.subject ? ` ${l.subject}` : ''}:`, `  likely cause: ${l.advice.cause}`, `  next step:    ${l.advice.nextStep}`);
  return out.join('\n');
}

export const boxTimeline: SupportCommand = {
  name: 'timeline',
  summary: 'the incident timeline of a box: passes, events, device states, alerts, commands, updates, configuration',
  args: ['BOX_ID'],
  options: { from: { type: 'string' }, to: { type: 'string' }, kind: { type: 'string' } },
  optionHelp: ['--from T          start: now, an age (2h, 3d), epoch ms or ISO date-time (default 24h)', '--to T            end (default now)', '--kind K          only pass | event | device | alert | command | update | config | audit'],
  async run({ client, args, values, print }) {
    const now = Date.now();
    const from = parseTime((values.from as string | undefined) ?? '24h', 'from', now);
    const to = parseTime((values.to as string | undefined) ?? 'now', 'to', now);
    const t = await client.get(`/v1/boxes/${encodeURIComponent(args[0] ?? '')}/timeline`, { from, to });
    const kind = values.kind as string | undefined;
    const entries = (t.entries as ApiBody[]).filter((e) => kind === undefined || e.kind === kind);
    print({ ...t, entries }, () =>
      [`Timeline of ${t.boxId} from ${when(from)} to ${when(to)}: ${entries.length} entries${t.truncated.length ? ` (cut: ${t.truncated.join(', ')}; narrow the window)` : ''}`, '', renderTable(['WHEN', 'KIND', 'SEVERITY', 'WHAT'], entries.map((e) => [when(e.at), e.kind, e.severity, e.title]))].join('\n'),
    );
    return EXIT.ok;
  },
};

const ticketBundle: SupportCommand = {
  name: 'bundle',
  summary: 'write an escalation bundle (tar.gz) for the developers: timeline, logs, config without secrets, health, devices, doctor, release',
  args: ['BOX_ID'],
  options: { from: { type: 'string' }, to: { type: 'string' }, ticket: { type: 'string' }, out: { type: 'string' } },
  optionHelp: ['--from T          window start (required): an age (2h), epoch ms or ISO date-time', '--to T            window end (required), e.g. now', TICKET_HELP, '--out FILE        where to write it (default: the name the fleet gives, here)'],
  async run(ctx: CommandContext) {
    const { client, args, values } = ctx;
    const now = Date.now();
    const from = parseTime(required(values, 'from'), 'from', now);
    const to = parseTime(required(values, 'to'), 'to', now);
    const ticket = values.ticket as string | undefined;
    const got = await client.download(`/v1/boxes/${encodeURIComponent(args[0] ?? '')}/bundle`, { from, to, ...(ticket ? { ticket } : {}) }, ticket);
    const file = resolve((values.out as string | undefined) ?? got.filename ?? `resabox-${args[0]}.tar.gz`);
    writeFileSync(file, got.bytes);
    const summary = { file, bytes: got.bytes.length, sha256: got.sha256 };
    ctx.print(summary, () => `wrote ${file} (${got.bytes.length} bytes, sha256 ${got.sha256 ?? '-'})${ticket ? `; audited with ticket ${ticket}` : ''}`);
    return EXIT.ok;
  },
};

export const ticketArea: SupportArea = { name: 'ticket', summary: 'escalate a ticket to the developers with one bundle', commands: [ticketBundle] };
