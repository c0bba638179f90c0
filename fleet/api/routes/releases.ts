import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Readable } from 'node:stream';
import Type from 'typebox';
import { readRoot, readTargets } from '../../rollouts/tuf-repository.ts';
import { actorOf } from '../auth.ts';
import { ticketOf } from '../audit.ts';
import type { ApiContext } from '../context.ts';
import { apiError } from '../errors.ts';
import { EpochMs, Nullable, Ticket, errorResponses } from '../schemas.ts';

const UploadParams = Type.Object({ uploadId: Type.String({ pattern: '^up-[0-9a-f]{32}$' }) });
const UploadView = Type.Object({ uploadId: Type.String(), name: Type.String(), length: Type.Integer(), sha256: Type.String(), received: Type.Integer({ description: 'bytes the fleet holds: send the rest from there' }) });
const ReleaseView = Type.Object({
  targetName: Type.String(),
  version: Type.String(),
  hardware: Type.String(),
  channel: Type.String(),
  minVersion: Type.String(),
  length: Type.Integer(),
  sha256: Type.String(),
  uploadedBy: Nullable(Type.String()),
  uploadedAt: Nullable(EpochMs),
  ticket: Nullable(Type.String()),
  signedBy: Type.Array(Type.String(), { description: 'key ids of the targets.json signatures (the offline targets key)' }),
});

/** `Content-Range: bytes START-END/TOTAL` of a chunk: its start offset. */
function chunkStart(header: string | undefined): number {
  const m = header ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header) : null;
  if (!m) throw apiError('API_BAD_REQUEST', 'a chunk needs Content-Range: bytes START-END/TOTAL');
  return Number(m[1]);
}

/**
 * Releases as support publishes them (`resabox release publish`): resumable uploads of a
 * bundle, the releases the repository lists (signed targets with who uploaded them), and
 * the hardware models of the enrolled boxes (a release must name one of them).
 */
export const releaseRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  app.post(
    '/v1/updates/uploads',
    {
      config: { permission: 'updates.manage', audit: 'artifact.upload-start' },
      schema: {
        tags: ['updates'],
        summary: 'Declare a bundle upload (or find the one under way for the same file): the bytes the fleet already holds',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), length: Type.Integer({ minimum: 1 }), sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) }, { additionalProperties: false }),
        response: { 200: UploadView, ...errorResponses(413) },
      },
    },
    async (req) => {
      const state = await ctx.uploads.start(req.body);
      req.auditTarget = req.body.name;
      req.auditDetail = { length: req.body.length, sha256: req.body.sha256, resumedAt: state.received };
      return state;
    },
  );

  app.put(
    '/v1/updates/uploads/:uploadId',
    {
      config: { permission: 'updates.manage' },
      schema: {
        tags: ['updates'],
        summary: 'Append a chunk (application/octet-stream, Content-Range: bytes START-END/TOTAL) starting exactly at the bytes the fleet holds',
        consumes: ['application/octet-stream'],
        params: UploadParams,
        body: Type.Unknown({ description: 'the chunk bytes', format: 'binary' }),
        response: { 200: UploadView, ...errorResponses(404, 409, 413, 415) },
      },
    },
    async (req) => {
      if (req.headers['content-type']?.split(';')[0]?.trim() !== 'application/octet-stream') throw apiError('API_UNSUPPORTED_MEDIA_TYPE', 'send the chunk as application/octet-stream');
      return ctx.uploads.append(req.params.uploadId, chunkStart(req.headers['content-range']), req.body as Readable);
    },
  );

  app.post(
    '/v1/updates/uploads/:uploadId/complete',
    {
      config: { permission: 'updates.manage', audit: 'artifact.upload' },
      schema: {
        tags: ['updates'],
        summary: 'Check the uploaded bytes (length, sha256) and put the bundle into the repository targets',
        params: UploadParams,
        body: Type.Optional(Type.Object({ ticket: Type.Optional(Ticket) }, { additionalProperties: false })),
        response: {
          201: Type.Object({ targetName: Type.String(), length: Type.Integer(), sha256: Type.String(), sha512: Type.String(), uploadedBy: Type.String(), ticket: Nullable(Type.String()), uploadedAt: EpochMs }),
          ...errorResponses(404, 409),
        },
      },
    },
    async (req, reply) => {
      const stored = await ctx.uploads.complete(req.params.uploadId);
      const row = { targetName: stored.name, length: stored.length, sha256: stored.sha256, sha512: stored.sha512, uploadedBy: actorOf(req), ticket: ticketOf(req), uploadedAt: ctx.clock.now() };
      await ctx.rolloutStore.insertArtifact(row);
      req.auditTarget = stored.name;
      req.auditDetail = { length: stored.length, sha256: stored.sha256 };
      return reply.status(201).send(row);
    },
  );

  app.get(
    '/v1/updates/releases',
    {
      config: { permission: 'fleet.read' },
      schema: { tags: ['updates'], summary: 'Releases the repository lists (signed targets), newest first: version, hardware, size, who uploaded them and when, the signing keys', response: { 200: Type.Object({ releases: Type.Array(ReleaseView), targetsKeyIds: Type.Array(Type.String()) }), ...errorResponses() } },
    },
    async () => {
      if (!ctx.repository.locate('metadata', 'targets.json')) return { releases: [], targetsKeyIds: [] };
      const [targets, root] = await Promise.all([readTargets(ctx.repository.root), readRoot(ctx.repository.root)]);
      const signedBy = Object.keys(targets.signatures);
      const releases = [];
      for (const [name, t] of Object.entries(targets.signed.targets)) {
        const c = (t.unrecognizedFields.custom ?? {}) as Record<string, unknown>;
        const a = await ctx.rolloutStore.getArtifact(name);
        const s = (v: unknown) => (typeof v === 'string' ? v : '');
        releases.push({ targetName: name, version: s(c.version), hardware: s(c.hardware), channel: s(c.channel), minVersion: s(c.minVersion), length: t.length, sha256: t.hashes.sha256 ?? '', uploadedBy: a?.uploadedBy ?? null, uploadedAt: a?.uploadedAt ?? null, ticket: a?.ticket ?? null, signedBy });
      }
      releases.sort((x, y) => (y.uploadedAt ?? 0) - (x.uploadedAt ?? 0) || x.targetName.localeCompare(y.targetName));
      return { releases, targetsKeyIds: root.signed.roles.targets?.keyIDs ?? [] };
    },
  );

  app.get(
    '/v1/updates/hardware',
    {
      config: { permission: 'fleet.read' },
      schema: { tags: ['updates'], summary: 'Hardware models of the active boxes (from their state messages), with how many boxes run each', response: { 200: Type.Object({ models: Type.Array(Type.Object({ hardware: Type.String(), boxes: Type.Integer() })), unknown: Type.Integer({ description: 'active boxes that reported no model' }) }), ...errorResponses() } },
    },
    async () => {
      const counts = new Map<string, number>();
      let unknown = 0;
      for (const b of await ctx.boxes.list({ status: 'active', limit: 1_000_000, offset: 0 })) {
        if (b.hardware === null) unknown++;
        else counts.set(b.hardware, (counts.get(b.hardware) ?? 0) + 1);
      }
      return { models: [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([hardware, boxes]) => ({ hardware, boxes })), unknown };
    },
  );
};
