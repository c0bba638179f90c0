import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { AccessRight, Booking, CredentialRecord, Id, Member, QrKey, RightsData, Zone } from '../../../protocol/mqtt/index.ts';
import type { ApiContext } from '../context.ts';
import { apiError } from '../errors.ts';
import { Club, ClubId, Ticket, errorResponses } from '../schemas.ts';

const ClubParams = Type.Object({ clubId: ClubId });
const HHMM = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$' });

/** Records as the MQTT contract defines them: the boxes receive exactly what was accepted here. */
const RightsUpserts = Type.Object(
  {
    zones: Type.Optional(Type.Array(Zone, { maxItems: 1000 })),
    members: Type.Optional(Type.Array(Member, { maxItems: 20_000 })),
    credentials: Type.Optional(Type.Array(CredentialRecord, { maxItems: 40_000 })),
    rights: Type.Optional(Type.Array(AccessRight, { maxItems: 40_000 })),
    bookings: Type.Optional(Type.Array(Booking, { maxItems: 40_000 })),
    qrKeys: Type.Optional(Type.Array(QrKey, { maxItems: 100 })),
  },
  { additionalProperties: false },
);
const ids = Type.Optional(Type.Array(Id, { maxItems: 40_000 }));
const RightsDeletes = Type.Object({ zones: ids, members: ids, credentials: ids, rights: ids, bookings: ids, qrKeys: ids }, { additionalProperties: false });

/** Clubs, and the rights API the club management backend calls. */
export const clubRightsRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/v1/clubs',
    {
      config: { permission: 'fleet.read' },
      schema: { tags: ['clubs'], summary: 'All clubs', response: { 200: Type.Object({ clubs: Type.Array(Club) }), ...errorResponses() } },
    },
    async () => ({ clubs: await ctx.boxes.listClubs() }),
  );

  app.put(
    '/v1/clubs/:clubId',
    {
      config: { permission: 'clubs.manage', audit: 'club.upsert' },
      schema: {
        tags: ['clubs'],
        summary: 'Create or update a club (time zone and opening hours drive maintenance windows)',
        params: ClubParams,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 120 }),
            timezone: Type.String({ minLength: 1, maxLength: 64 }),
            openingHours: Type.Optional(
              Type.Record(Type.Enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const), Type.Array(Type.Tuple([HHMM, HHMM]), { maxItems: 8 })),
            ),
            ticket: Type.Optional(Ticket),
          },
          { additionalProperties: false },
        ),
        response: { 200: Club, ...errorResponses() },
      },
    },
    async (req) => {
      const b = req.body;
      try {
        new Intl.DateTimeFormat('en', { timeZone: b.timezone });
      } catch {
        throw apiError('API_VALIDATION_FAILED', 'body/timezone: not an IANA time zone');
      }
      await ctx.boxes.upsertClub({ id: req.params.clubId, name: b.name, timezone: b.timezone, openingHours: b.openingHours ?? {} }, ctx.clock.now());
      req.auditDetail = { name: b.name, timezone: b.timezone };
      const club = await ctx.boxes.getClub(req.params.clubId);
      if (!club) throw apiError('CLUB_NOT_FOUND');
      return club;
    },
  );

  app.post(
    '/v1/clubs/:clubId/rights',
    {
      bodyLimit: 3 * 1024 * 1024,
      config: { permission: 'rights.write', audit: 'rights.upsert' },
      schema: {
        tags: ['rights'],
        summary: "Upsert and delete members, credentials, zones, rights, bookings, QR keys: one new club version, its delta pushed to the club's boxes",
        params: ClubParams,
        body: Type.Object({ upserts: Type.Optional(RightsUpserts), deletes: Type.Optional(RightsDeletes), ticket: Type.Optional(Ticket) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ clubId: Type.String(), baseVersion: Type.Integer(), version: Type.Integer(), boxesNotified: Type.Integer() }),
          ...errorResponses(404, 413),
        },
      },
    },
    async (req) => {
      const { upserts = {}, deletes = {} } = req.body;
      const out = await ctx.rights.apply(req.params.clubId, { upserts, deletes });
      const count = (o: Record<string, unknown[] | undefined>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v?.length ?? 0]));
      req.auditDetail = { version: out.version, upserts: count(upserts), deletes: count(deletes), boxesNotified: out.boxesNotified };
      return out;
    },
  );

  app.get(
    '/v1/clubs/:clubId/rights',
    {
      config: { permission: 'rights.read' },
      schema: {
        tags: ['rights'],
        summary: 'The club rights snapshot at its current version (what a box receives on rights/request)',
        params: ClubParams,
        response: { 200: Type.Object({ clubId: Type.String(), version: Type.Integer(), data: RightsData }), ...errorResponses(404) },
      },
    },
    async (req) => {
      if (!(await ctx.boxes.getClub(req.params.clubId))) throw apiError('CLUB_NOT_FOUND');
      return { clubId: req.params.clubId, ...(await ctx.rights.snapshot(req.params.clubId)) };
    },
  );
};
