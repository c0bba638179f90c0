import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../api/context.ts';
import { PERMISSIONS, roleMay, type Permission } from '../api/roles.ts';
import { LiveChanges } from './live.ts';
import { loadDashboardFiles } from './static-files.ts';

const KEEPALIVE_MS = 15_000;
/** The dashboard loads nothing from elsewhere and may not be framed (clickjacking on support actions). */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * The technical team's dashboard: static files under /ui/, plus the two API routes it needs
 * beyond the public API: who am I (to show only the actions my role may run) and a stream of
 * change notifications (Server-Sent Events over an authenticated fetch).
 */
export const dashboardRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const files = loadDashboardFiles();
  const live = new LiveChanges(ctx.store.live, ctx.clock, ctx.logger);
  const streams = new Set<{ end(): void }>();
  // Open streams would keep the server from closing: end them first.
  app.addHook('preClose', async () => {
    for (const s of streams) s.end();
    live.stop();
  });

  const pub = { config: { permission: 'public' as const }, schema: { hide: true } };
  app.get('/', pub, async (_req, reply) => reply.redirect('/ui/'));
  app.get('/ui', pub, async (_req, reply) => reply.redirect('/ui/'));
  app.get<{ Params: { '*': string } }>('/ui/*', pub, async (req, reply) => {
    const f = files.get(req.params['*'] || 'index.html');
    if (!f) return reply.status(404).headers(SECURITY_HEADERS).type('text/plain').send('not found');
    return reply.header('cache-control', 'no-cache').headers(SECURITY_HEADERS).type(f.type).send(f.body);
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
