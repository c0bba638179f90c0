import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../api/context.ts';
import { PERMISSIONS, roleMay, type Permission } from '../api/roles.ts';
import { LiveChanges } from './live.ts';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml' };
const KEEPALIVE_MS = 15_000;

/** The dashboard's files, read once at start: a fixed set, so no path from a request ever reaches the file system. */
function loadFiles(): Map<string, { body: Buffer; type: string }> {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(PUBLIC_DIR)) {
    const type = TYPES[extname(name)];
    if (type) files.set(name, { body: readFileSync(join(PUBLIC_DIR, name)), type });
  }
  return files;
}

/**
 * The technical team's dashboard: static files under /ui/, plus the two API routes it needs
 * beyond the public API: who am I (to show only the actions my role may run) and a stream of
 * change notifications (Server-Sent Events over an authenticated fetch).
 */
export const dashboardRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const files = loadFiles();
  const live = new LiveChanges(ctx.store.live, ctx.clock, ctx.logger);
  const streams = new Set<{ end(): void }>();
  // Open streams would keep the server from closing: end them first.
  app.addHook('preClose', async () => {
    for (const s of streams) s.end();
    live.stop();
  });

  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/ui/'));
  app.get('/ui', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/ui/'));
  app.get<{ Params: { file?: string } }>('/ui/:file', { schema: { hide: true } }, async (req, reply) => {
    const f = files.get(req.params.file || 'index.html');
    if (!f) return reply.status(404).type('text/plain').send('not found');
    return reply.header('cache-control', 'no-cache').type(f.type).send(f.body);
  });
  app.get('/ui/', { schema: { hide: true } }, async (_req, reply) => {
    const f = files.get('index.html');
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(f?.body ?? '');
  });

  app.get('/v1/me', { config: { permission: 'fleet.read' }, schema: { hide: true } }, async (req) => {
    const p = req.principal;
    const role = p?.role ?? 'viewer';
    return { name: p?.name ?? '', role, permissions: (Object.keys(PERMISSIONS) as Permission[]).filter((perm) => roleMay(role, perm)) };
  });

  app.get('/v1/stream', { config: { permission: 'fleet.read' }, schema: { hide: true } }, (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(`event: hello\ndata: ${JSON.stringify({ at: ctx.clock.now() })}\n\n`);
    const unsubscribe = live.subscribe((topics) => res.write(`event: change\ndata: ${JSON.stringify({ topics })}\n\n`));
    const keepalive = ctx.clock.setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    streams.add(res);
    const close = () => {
      streams.delete(res);
      unsubscribe();
      ctx.clock.clearInterval(keepalive);
    };
    req.raw.on('close', close);
    res.on('error', close);
  });
};
