import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Readable } from 'node:stream';
import Type from 'typebox';
import { BOX_STATES, OPERATOR_ACTIONS, ROLLOUT_STATES, validActions } from '../../rollouts/machine.ts';
import { progressOf, waveCountOf } from '../../rollouts/planner.ts';
import type { RolloutBoxRow, RolloutRow } from '../../rollouts/rollout-store.ts';
import { actorOf } from '../auth.ts';
import { ticketOf } from '../audit.ts';
import type { ApiContext } from '../context.ts';
import { apiError } from '../errors.ts';
import { AnyJson, BoxId, ClubId, EpochMs, Limit, Nullable, Tag, Ticket, errorResponses } from '../schemas.ts';

const Version = Type.String({ pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+([-+][0-9A-Za-z.-]+)?$', maxLength: 64 });
const Pct = Type.Number({ minimum: 0, maximum: 100 });
const RolloutParams = Type.Object({ rolloutId: Type.String({ pattern: '^ro-[0-9a-f]{16}$' }) });
/** A raw upload: the body is the request stream, read by ArtifactRepository (documented as binary). */
const RawBody = Type.Unknown({ description: 'the file bytes', format: 'binary' });
const Counts = Type.Record(Type.String(), Type.Integer());

const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 120 }),
    version: Version,
    targetName: Type.String({ minLength: 1, maxLength: 200, description: 'an uploaded artifact, signed into targets.json' }),
    channel: Type.Optional(Type.String({ minLength: 1, maxLength: 32, default: 'stable' })),
    hardware: Type.String({ minLength: 1, maxLength: 64 }),
    target: Type.Object(
      { boxes: Type.Optional(Type.Array(BoxId, { maxItems: 10000 })), clubs: Type.Optional(Type.Array(ClubId, { maxItems: 1000 })), tags: Type.Optional(Type.Array(Tag, { maxItems: 50 })) },
      { additionalProperties: false, description: 'boxes matching any of these; boxes that match later join the last wave' },
    ),
    waves: Type.Optional(
      Type.Object(
        { canary: Type.Integer({ minimum: 0, maximum: 1000, description: 'boxes in the canary wave (0: none)' }), percents: Type.Array(Type.Number({ exclusiveMinimum: 0, maximum: 100 }), { minItems: 1, maxItems: 20, description: 'cumulative, ending at 100' }) },
        { additionalProperties: false },
      ),
    ),
    successThresholdPct: Type.Optional(Pct),
    errorThresholdPct: Type.Optional(Pct),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
    jobTimeoutMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 * 1440 })),
    prefetch: Type.Optional(Type.Boolean({ description: 'download now (every box, at start), install later (in its wave and window)' })),
    maintenance: Type.Optional(
      Type.Object(
        { outsideOpeningHours: Type.Boolean(), idleMinutes: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1440 }))) },
        { additionalProperties: false },
      ),
    ),
    ticket: Type.Optional(Ticket),
    start: Type.Optional(Type.Boolean({ description: 'start at once instead of leaving a draft' })),
  },
  { additionalProperties: false },
);

export const RolloutView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  state: Type.Enum(ROLLOUT_STATES),
  version: Type.String(),
  targetName: Type.String(),
  channel: Type.String(),
  hardware: Type.String(),
  target: AnyJson,
  canary: Type.Integer(),
  percents: Type.Array(Type.Number()),
  currentWave: Type.Integer({ minimum: 1, description: 'the highest opened wave; waves are numbered from 1 (wave 1 is the canary when there is one), as the CLI and the dashboard show them' }),
  waveCount: Type.Integer(),
  validActions: Type.Array(Type.Enum(OPERATOR_ACTIONS), { description: 'what support may do now (POST /v1/rollouts/{id}/<action>)' }),
  successThresholdPct: Type.Number(),
  errorThresholdPct: Type.Number(),
  maxAttempts: Type.Integer(),
  jobTimeoutMs: Type.Integer(),
  prefetch: Type.Boolean(),
  maintenance: AnyJson,
  haltReason: Nullable(Type.String()),
  createdBy: Type.String(),
  ticket: Nullable(Type.String()),
  createdAt: EpochMs,
  updatedAt: EpochMs,
  startedAt: Nullable(EpochMs),
  finishedAt: Nullable(EpochMs),
  progress: Type.Object({ total: Counts, waves: Type.Array(Counts) }, { description: 'boxes per state, overall and per wave' }),
});

const RolloutBoxView = Type.Object({
  rolloutId: Type.String(),
  boxId: Type.String(),
  clubId: Nullable(Type.String()),
  wave: Type.Integer({ minimum: 1, description: 'numbered from 1, as currentWave' }),
  state: Type.Enum(BOX_STATES),
  attempts: Type.Integer(),
  jobId: Nullable(Type.String()),
  updateState: Nullable(Type.String()),
  lastError: AnyJson,
  joinedLate: Type.Boolean(),
  lastChangeAt: EpochMs,
});

const ArtifactView = Type.Object({ targetName: Type.String(), length: Type.Integer(), sha256: Type.String(), sha512: Type.String(), uploadedBy: Type.String(), ticket: Nullable(Type.String()), uploadedAt: EpochMs });

/** Update artifacts, TUF metadata uploads, rollouts and their steering, a box's update history. */
export const rolloutRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  // Bundles arrive as a raw body, handed over as the stream: ArtifactRepository caps and hashes it.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  const view = async (r: RolloutRow) => {
    const boxes = await ctx.rolloutStore.boxes(r.id);
    const failed = boxes.filter((b) => b.state === 'failed' || b.state === 'rolled-back').length;
    return { ...r, currentWave: r.currentWave + 1, waveCount: waveCountOf(r), validActions: validActions(r.state, failed), progress: progressOf(boxes, waveCountOf(r)) };
  };
  /** The store numbers waves from 0; people (and the API) from 1. */
  const boxView = (b: RolloutBoxRow) => ({ ...b, wave: b.wave + 1 });
  const declared = (h: string | undefined) => (h !== undefined && /^\d+$/.test(h) ? Number(h) : undefined);

  app.put(
    '/v1/updates/artifacts/:name',
    {
      config: { permission: 'updates.manage', audit: 'artifact.upload' },
      schema: {
        tags: ['updates'],
        summary: 'Upload a bundle (application/octet-stream) into the repository targets; answers its length and hashes for the signer',
        consumes: ['application/octet-stream'],
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }),
        body: RawBody,
        response: { 201: ArtifactView, ...errorResponses(413, 415) },
      },
    },
    async (req, reply) => {
      if (req.headers['content-type']?.split(';')[0]?.trim() !== 'application/octet-stream') throw apiError('API_UNSUPPORTED_MEDIA_TYPE', 'send the bundle as application/octet-stream');
      const stored = await ctx.repository.receive('targets', req.params.name, req.body as Readable, ctx.maxArtifactBytes, declared(req.headers['content-length']));
      const row = { targetName: req.params.name, ...stored, uploadedBy: actorOf(req), ticket: ticketOf(req), uploadedAt: ctx.clock.now() };
      await ctx.rolloutStore.insertArtifact(row);
      req.auditDetail = { length: stored.length, sha256: stored.sha256 };
      return reply.status(201).send(row);
    },
  );

  app.put(
    '/v1/updates/metadata/:name',
    {
      config: { permission: 'updates.manage', audit: 'repository.metadata' },
      schema: {
        tags: ['updates'],
        summary:
          'Publish a TUF metadata file signed offline (root.json, N.root.json, targets.json; snapshot.json and timestamp.json too when the fleet holds no online keys). With online keys, a targets.json is verified and the fleet signs a new snapshot and timestamp',
        consumes: ['application/octet-stream'],
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 40 }) }),
        body: RawBody,
        response: {
          201: Type.Object({ name: Type.String(), length: Type.Integer(), sha256: Type.String(), published: Type.Optional(Type.Object({ targetsVersion: Type.Integer(), snapshotVersion: Type.Integer(), timestampVersion: Type.Integer(), signedBy: Type.Array(Type.String()) })) }),
          ...errorResponses(409, 413, 415),
        },
      },
    },
    async (req, reply) => {
      if (req.headers['content-type']?.split(';')[0]?.trim() !== 'application/octet-stream') throw apiError('API_UNSUPPORTED_MEDIA_TYPE', 'send the file as application/octet-stream');
      if (ctx.signer && (req.params.name === 'snapshot.json' || req.params.name === 'timestamp.json')) throw apiError('REPOSITORY_ONLINE_ROLE');
      if (ctx.signer && req.params.name === 'targets.json') {
        const bytes = await readCapped(req.body as Readable, 1024 * 1024);
        const published = await ctx.signer.acceptTargets(bytes);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        req.auditDetail = { length: bytes.length, sha256, ...published };
        return reply.status(201).send({ name: req.params.name, length: bytes.length, sha256, published });
      }
      const stored = await ctx.repository.receive('metadata', req.params.name, req.body as Readable, 1024 * 1024, declared(req.headers['content-length']));
      req.auditDetail = { length: stored.length, sha256: stored.sha256 };
      return reply.status(201).send({ name: req.params.name, length: stored.length, sha256: stored.sha256 });
    },
  );

  app.get(
    '/v1/updates/artifacts',
    { config: { permission: 'fleet.read' }, schema: { tags: ['updates'], summary: 'Uploaded artifacts, newest first', response: { 200: Type.Object({ artifacts: Type.Array(ArtifactView) }), ...errorResponses() } } },
    async () => ({ artifacts: await ctx.rolloutStore.listArtifacts() }),
  );

  app.post(
    '/v1/rollouts',
    {
      config: { permission: 'updates.manage', audit: 'rollout.create' },
      schema: { tags: ['rollouts'], summary: 'Create a rollout (a draft, or started at once)', body: CreateBody, response: { 201: RolloutView, ...errorResponses(404, 409) } },
    },
    async (req, reply) => {
      const b = req.body;
      const created = await ctx.rollouts.create(
        {
          name: b.name,
          version: b.version,
          targetName: b.targetName,
          channel: b.channel ?? 'stable',
          hardware: b.hardware,
          target: { boxes: b.target.boxes ?? [], clubs: b.target.clubs ?? [], tags: b.target.tags ?? [] },
          canary: b.waves?.canary ?? 1,
          percents: b.waves?.percents ?? [25, 100],
          successThresholdPct: b.successThresholdPct ?? 100,
          errorThresholdPct: b.errorThresholdPct ?? 10,
          maxAttempts: b.maxAttempts ?? 3,
          jobTimeoutMs: (b.jobTimeoutMinutes ?? 1440) * 60_000,
          prefetch: b.prefetch ?? false,
          maintenance: { outsideOpeningHours: b.maintenance?.outsideOpeningHours ?? true, idleMinutes: b.maintenance?.idleMinutes ?? null },
        },
        actorOf(req),
        ticketOf(req),
      );
      req.auditTarget = created.id;
      const r = b.start ? await ctx.rollouts.act(created.id, 'start') : created;
      req.auditDetail = { version: r.version, targetName: r.targetName, target: r.target, started: b.start === true };
      return reply.status(201).send(await view(r));
    },
  );

  app.get(
    '/v1/rollouts',
    {
      config: { permission: 'fleet.read' },
      schema: {
        tags: ['rollouts'],
        summary: 'Rollouts, newest first, with their progress',
        querystring: Type.Object({ state: Type.Optional(Type.Enum(ROLLOUT_STATES)), limit: Type.Optional(Limit(500, 50)) }),
        response: { 200: Type.Object({ rollouts: Type.Array(RolloutView) }), ...errorResponses() },
      },
    },
    async (req) => ({ rollouts: await Promise.all((await ctx.rolloutStore.list(req.query.state, req.query.limit ?? 50)).map(view)) }),
  );

  app.get(
    '/v1/rollouts/:rolloutId',
    { config: { permission: 'fleet.read' }, schema: { tags: ['rollouts'], summary: 'A rollout and its progress (boxes per state, overall and per wave)', params: RolloutParams, response: { 200: RolloutView, ...errorResponses(404) } } },
    async (req) => {
      const r = await ctx.rolloutStore.get(req.params.rolloutId);
      if (!r) throw apiError('ROLLOUT_NOT_FOUND');
      return view(r);
    },
  );

  app.get(
    '/v1/rollouts/:rolloutId/boxes',
    {
      config: { permission: 'fleet.read' },
      schema: { tags: ['rollouts'], summary: 'Every box of a rollout: wave, state, attempts, the box update state, last error', params: RolloutParams, response: { 200: Type.Object({ boxes: Type.Array(RolloutBoxView) }), ...errorResponses(404) } },
    },
    async (req) => {
      if (!(await ctx.rolloutStore.get(req.params.rolloutId))) throw apiError('ROLLOUT_NOT_FOUND');
      return { boxes: (await ctx.rolloutStore.boxes(req.params.rolloutId)).map(boxView) };
    },
  );

  for (const action of OPERATOR_ACTIONS) {
    app.post(
      `/v1/rollouts/:rolloutId/${action}`,
      {
        config: { permission: 'updates.manage', audit: `rollout.${action}` },
        schema: {
          tags: ['rollouts'],
          summary:
            action === 'retry-failed'
              ? 'Retry only the boxes that failed or rolled back (one more attempt each); a halted or completed rollout runs again'
              : `${action[0]?.toUpperCase()}${action.slice(1)} a rollout${action === 'cancel' ? ' (boxes not yet committed get an abort job)' : ''}`,
          params: RolloutParams,
          body: Type.Optional(Type.Object({ ticket: Type.Optional(Ticket) }, { additionalProperties: false })),
          response: { 200: RolloutView, ...errorResponses(404, 409) },
        },
      },
      async (req) => view(await ctx.rollouts.act(req.params.rolloutId, action)),
    );
  }

  app.get(
    '/v1/boxes/:boxId/updates',
    {
      config: { permission: 'fleet.read' },
      schema: {
        tags: ['rollouts'],
        summary: "A box's update history: its place in each rollout (state, the box's update state, why it failed or rolled back) and its update.rolled-back events",
        params: Type.Object({ boxId: BoxId }),
        querystring: Type.Object({ limit: Type.Optional(Limit(200, 20)) }),
        response: {
          200: Type.Object({ boxId: Type.String(), agentVersion: Nullable(Type.String()), rollouts: Type.Array(RolloutBoxView), rollbackEvents: Type.Array(AnyJson) }),
          ...errorResponses(404),
        },
      },
    },
    async (req) => {
      const box = await ctx.boxes.get(req.params.boxId);
      if (!box) throw apiError('BOX_NOT_FOUND');
      const limit = req.query.limit ?? 20;
      return {
        boxId: box.id,
        agentVersion: box.agentVersion,
        rollouts: (await ctx.rolloutStore.boxHistory(box.id, limit)).map(boxView),
        rollbackEvents: await ctx.history.events({ boxId: box.id, kind: 'update.rolled-back', limit }),
      };
    },
  );
};

/** A small raw body (a metadata file) into memory, refused past `maxBytes`. */
async function readCapped(body: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    length += (chunk as Buffer).length;
    if (length > maxBytes) {
      body.resume();
      throw apiError('ARTIFACT_TOO_LARGE', `the file exceeds ${maxBytes} bytes`, { maxBytes });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
