import { createReadStream } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import Type from 'typebox';
import { parseRange } from '../../rollouts/byte-range.ts';
import type { RepositoryArea } from '../../rollouts/artifact-repository.ts';
import type { ApiContext } from '../context.ts';
import { apiError } from '../errors.ts';
import { errorResponses } from '../schemas.ts';

const Name = Type.String({ minLength: 1, maxLength: 200 });

/**
 * The TUF repository, served to boxes without a token (nothing in it is secret; trust
 * comes from the signatures): `/repository/metadata/<name>` and
 * `/repository/targets/<name>`, with single-range requests so that a box resumes an
 * interrupted download (206 + Content-Range, 416 past the end).
 */
export const updateRepositoryRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const serve = (area: RepositoryArea) => async (req: { params: { name: string }; headers: Record<string, string | string[] | undefined> }, reply: FastifyReply) => {
    const file = ctx.repository.locate(area, req.params.name);
    if (!file) throw apiError('API_NOT_FOUND', `no such ${area === 'metadata' ? 'metadata file' : 'target'}`);
    const header = req.headers['range'];
    const range = parseRange(Array.isArray(header) ? header[0] : header, file.size);
    void reply.header('accept-ranges', 'bytes');
    void reply.header('content-type', area === 'metadata' ? 'application/json' : 'application/octet-stream');
    // Metadata changes in place (timestamp.json daily): never cached. Targets are immutable per name.
    void reply.header('cache-control', area === 'metadata' ? 'no-store' : 'public, max-age=300');
    if (range.kind === 'unsatisfiable') {
      void reply.header('content-range', `bytes */${file.size}`);
      throw apiError('RANGE_NOT_SATISFIABLE', undefined, { size: file.size });
    }
    if (range.kind === 'full') {
      void reply.header('content-length', String(file.size));
      return reply.status(200).send(createReadStream(file.path));
    }
    void reply.header('content-range', `bytes ${range.start}-${range.end}/${file.size}`);
    void reply.header('content-length', String(range.end - range.start + 1));
    return reply.status(206).send(createReadStream(file.path, { start: range.start, end: range.end }));
  };
  const schema = (summary: string) => ({
    tags: ['updates'],
    summary,
    params: Type.Object({ name: Name }),
    security: [],
    response: { 200: Type.Unknown({ description: 'the file' }), 206: Type.Unknown({ description: 'the requested range' }), ...errorResponses(404, 416) },
  });
  app.get('/repository/metadata/:name', { config: { permission: 'public' }, schema: schema('TUF metadata (root, N.root, targets, snapshot, timestamp), public') }, serve('metadata'));
  app.get('/repository/targets/:name', { config: { permission: 'public' }, schema: schema('An update bundle (TUF target), public, Range supported') }, serve('targets'));
};
