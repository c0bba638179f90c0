import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CardSharingScan, EntryExitTally, type PassFact } from '../../reports/pass-anomalies.ts';
import type { PassFilter, PassRow } from '../../store/pass-reports.ts';
import type { ApiContext } from '../context.ts';
import { apiError } from '../errors.ts';
import { ReportNames, reportNames } from '../report-names.ts';
import { AnyJson, BoxId, ClubId, EpochMs, Limit, Nullable, errorResponses } from '../schemas.ts';

const PassView = Type.Object({
  boxId: Type.String(),
  clubId: Nullable(Type.String()),
  seq: Type.Integer(),
  batchId: Type.String({ description: 'the box batch that carried the pass' }),
  at: EpochMs,
  lane: Type.String(),
  direction: Nullable(Type.String()),
  granted: Type.Boolean(),
  reason: Type.String(),
  outcome: Nullable(Type.String()),
  memberId: Nullable(Type.String()),
  credentialKind: Nullable(Type.String()),
  credentialHash: Nullable(Type.String()),
  rightsVersion: Nullable(Type.Integer()),
  receivedAt: EpochMs,
  data: AnyJson,
});

const PassQuery = {
  clubId: Type.Optional(ClubId),
  boxId: Type.Optional(BoxId),
  memberId: Type.Optional(Type.String({ maxLength: 64 })),
  credentialHash: Type.Optional(Type.String({ pattern: '^[0-9a-f]{8,64}$' })),
  granted: Type.Optional(Type.Boolean()),
  from: Type.Optional(EpochMs),
  to: Type.Optional(EpochMs),
};

const RangeQuery = { clubId: Type.Optional(ClubId), from: EpochMs, to: EpochMs };

/** Rows a report or export reads at most: beyond, the caller narrows the range. */
export const MAX_REPORT_ROWS = 200_000;
const HOUR = 3_600_000;
/** Rows a report reads from the store between two turns of the event loop. */
const REPORT_PAGE_ROWS = 5_000;

const CSV_COLUMNS = ['at', 'clubId', 'boxId', 'seq', 'lane', 'direction', 'granted', 'outcome', 'reason', 'memberId', 'credentialKind', 'credentialHash', 'rightsVersion', 'batchId'] as const;

/** RFC 4180 field; a leading = + - @ is prefixed so spreadsheets do not run it as a formula. */
function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function passesToCsv(rows: readonly PassRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) lines.push(CSV_COLUMNS.map((c) => csvField(c === 'at' ? new Date(r.at).toISOString() : r[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

const decodeCursor = (c: string): PassFilter['after'] => {
  const [at, boxId, seq] = Buffer.from(c, 'base64url').toString('utf8').split('\n');
  if (at === undefined || boxId === undefined || seq === undefined || !/^\d+$/.test(at) || !/^\d+$/.test(seq)) throw apiError('API_VALIDATION_FAILED', 'querystring/cursor: not a cursor of this API');
  return { at: Number(at), boxId, seq: Number(seq) };
};
const encodeCursor = (r: PassRow): string => Buffer.from(`${r.at}\n${r.boxId}\n${r.seq}`).toString('base64url');

/** Passes: query, export (CSV/JSON), card-sharing and entry/exit mismatch reports. */
export const passRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const checkRange = (from: number, to: number): void => {
    if (to <= from) throw apiError('API_VALIDATION_FAILED', 'querystring/to: must be after from');
  };
  const bounded = async <T>(from: number, to: number, read: (limit: number) => Promise<T[]>): Promise<T[]> => {
    checkRange(from, to);
    const rows = await read(MAX_REPORT_ROWS + 1);
    if (rows.length > MAX_REPORT_ROWS) throw apiError('EXPORT_TOO_LARGE', undefined, { maxRows: MAX_REPORT_ROWS });
    return rows;
  };
  const readRange = (clubId: string | undefined, boxId: string | undefined, from: number, to: number): Promise<PassRow[]> =>
    bounded(from, to, (limit) => ctx.passes.query({ clubId, boxId, from, to }, limit));
  /**
   * Feeds the range's facts to `add` in pages of REPORT_PAGE_ROWS, yielding to the event
   * loop between pages so that a report over a large range does not stall other requests.
   */
  const scanFacts = async (clubId: string | undefined, from: number, to: number, add: (page: PassFact[]) => void): Promise<void> => {
    checkRange(from, to);
    let read = 0;
    let after: PassFilter['after'];
    for (;;) {
      const page = await ctx.passes.facts(clubId, from, to, REPORT_PAGE_ROWS, after);
      read += page.length;
      if (read > MAX_REPORT_ROWS) throw apiError('EXPORT_TOO_LARGE', undefined, { maxRows: MAX_REPORT_ROWS });
      add(page);
      const last = page[page.length - 1];
      if (!last || page.length < REPORT_PAGE_ROWS) return;
      after = { at: last.at, boxId: last.boxId, seq: last.seq };
      await new Promise((resolve) => setImmediate(resolve));
    }
  };

  app.get(
    '/v1/passes',
    {
      config: { permission: 'passes.read' },
      schema: {
        tags: ['passes'],
        summary: 'Passes in time order, filtered; page with nextCursor',
        querystring: Type.Object({ ...PassQuery, cursor: Type.Optional(Type.String({ maxLength: 300 })), limit: Type.Optional(Limit(5000, 500)) }),
        response: { 200: Type.Object({ passes: Type.Array(PassView), nextCursor: Nullable(Type.String()) }), ...errorResponses() },
      },
    },
    async (req) => {
      const { cursor, limit = 500, ...filter } = req.query;
      const rows = await ctx.passes.query({ ...filter, after: cursor === undefined ? undefined : decodeCursor(cursor) }, limit + 1);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { passes: page, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
    },
  );

  app.get(
    '/v1/passes/export',
    {
      config: { permission: 'passes.read' },
      schema: {
        tags: ['passes'],
        summary: 'Export the passes of a time range as CSV or JSON',
        querystring: Type.Object({ ...RangeQuery, boxId: Type.Optional(BoxId), format: Type.Optional(Type.Enum(['csv', 'json'] as const)) }),
        response: { 200: Type.String({ description: 'text/csv, or a JSON array of passes' }), ...errorResponses() },
      },
    },
    async (req, reply) => {
      const { clubId, boxId, from, to, format = 'csv' } = req.query;
      const rows = await readRange(clubId, boxId, from, to);
      const name = `passes-${clubId ?? 'all'}-${new Date(from).toISOString().slice(0, 10)}`;
      if (format === 'json') {
        void reply.header('content-type', 'application/json; charset=utf-8').header('content-disposition', `attachment; filename="${name}.json"`);
        return JSON.stringify(rows);
      }
      void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`);
      return passesToCsv(rows);
    },
  );

  const PassRef = Type.Object({ boxId: Type.String(), clubId: Nullable(Type.String()), lane: Type.String(), at: EpochMs });
  app.get(
    '/v1/reports/card-sharing',
    {
      config: { permission: 'passes.read' },
      schema: {
        tags: ['reports'],
        summary: 'One credential entering at two clubs within an impossible interval, or entering again while its visit is open',
        querystring: Type.Object({
          ...RangeQuery,
          minTravelMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, default: 30 })),
          maxVisitMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, default: 240 })),
        }),
        response: {
          200: Type.Object({
            names: ReportNames,
            findings: Type.Array(
              Type.Object({
                kind: Type.Enum(['impossible-travel', 'overlapping-entries'] as const),
                credential: Type.String(),
                memberId: Nullable(Type.String()),
                first: PassRef,
                second: PassRef,
                intervalMs: Type.Integer(),
              }),
            ),
          }),
          ...errorResponses(),
        },
      },
    },
    async (req) => {
      const q = req.query;
      // Read all clubs when one is asked for: sharing across clubs is the point.
      const scan = new CardSharingScan({ minTravelMs: (q.minTravelMinutes ?? 30) * 60_000, maxVisitMs: (q.maxVisitMinutes ?? 240) * 60_000 });
      await scanFacts(undefined, q.from, q.to, (page) => scan.add(page));
      const findings = q.clubId === undefined ? scan.findings : scan.findings.filter((f) => f.first.clubId === q.clubId || f.second.clubId === q.clubId);
      const refs = findings.flatMap((f) => [f.first, f.second]);
      const names = await reportNames(ctx, { clubs: refs.map((r) => r.clubId), boxes: refs.map((r) => r.boxId), members: findings.map((f) => f.memberId) });
      return { names, findings };
    },
  );

  app.get(
    '/v1/reports/entry-exit',
    {
      config: { permission: 'passes.read' },
      schema: {
        tags: ['reports'],
        summary: 'Per club and local day: entries, exits, and the credentials whose entries and exits do not balance',
        querystring: Type.Object(RangeQuery),
        response: {
          200: Type.Object({
            names: ReportNames,
            days: Type.Array(
              Type.Object({
                clubId: Type.String(),
                day: Type.String(),
                entries: Type.Integer(),
                exits: Type.Integer(),
                unbalanced: Type.Array(Type.Object({ credential: Type.String(), memberId: Nullable(Type.String()), entries: Type.Integer(), exits: Type.Integer() })),
              }),
            ),
          }),
          ...errorResponses(),
        },
      },
    },
    async (req) => {
      // The tally asks for time zones synchronously: read them all first (one row per club).
      const zones = new Map((await ctx.boxes.listClubs()).map((c) => [c.id, c.timezone]));
      const tally = new EntryExitTally((clubId) => zones.get(clubId) ?? 'UTC');
      await scanFacts(req.query.clubId, req.query.from, req.query.to, (page) => tally.add(page));
      const days = tally.result();
      const names = await reportNames(ctx, { clubs: days.map((d) => d.clubId), boxes: [], members: days.flatMap((d) => d.unbalanced.map((u) => u.memberId)) });
      return { names, days };
    },
  );

  app.get(
    '/v1/reports/passes-per-hour',
    {
      config: { permission: 'passes.read' },
      schema: {
        tags: ['reports'],
        summary: 'Passes counted per hour (granted, refused, manual opens), every hour of the range, at most 31 days',
        querystring: Type.Object(RangeQuery),
        response: {
          200: Type.Object({
            hours: Type.Array(Type.Object({ at: EpochMs, granted: Type.Integer(), refused: Type.Integer(), manual: Type.Integer() }), {
              description: 'the start of each hour (whole hours since the epoch: local hours in every zone with a whole-hour offset), oldest first',
            }),
          }),
          ...errorResponses(),
        },
      },
    },
    async (req) => {
      const { clubId, from, to } = req.query;
      if (to - from > 31 * 86_400_000) throw apiError('API_VALIDATION_FAILED', 'querystring/to: at most 31 days after from');
      const first = Math.floor(from / HOUR) * HOUR;
      const hours = Array.from({ length: Math.ceil((to - first) / HOUR) }, (_, i) => ({ at: first + i * HOUR, granted: 0, refused: 0, manual: 0 }));
      await scanFacts(clubId, from, to, (page) => {
        for (const p of page) {
          const h = hours[Math.floor((p.at - first) / HOUR)];
          if (!h) continue;
          // A remote or desk open is stored as not granted, outcome "manual" (not a refusal).
          if (p.granted) h.granted++;
          else if (p.outcome === 'manual') h.manual++;
          else h.refused++;
        }
      });
      return { hours };
    },
  );
};
