import type { ApiContext, ApiInstance } from './context.ts';
import { apiError } from './errors.ts';
import { roleMay } from './roles.ts';

const BEARER = /^Bearer ([A-Za-z0-9_-]{10,200})$/;

/**
 * Authentication and role checks in onRequest, before the body is even parsed: an
 * unauthorised caller learns nothing about validation, and a viewer's "open lane" is
 * refused with 403 whatever its body. Public routes (`permission: 'public'`) pass through, the
 * rate-limited ones counted per client IP.
 */
export function installAuth(app: ApiInstance, ctx: ApiContext): void {
  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config;
    const limiter = config.rateLimited ? ctx.limiters[config.rateLimited] : undefined;
    if (limiter && !limiter.take(request.ip)) {
      void reply.header('retry-after', String(Math.ceil(limiter.retryAfterMs() / 1000)));
      throw apiError('API_RATE_LIMITED');
    }
    const permission = config.permission;
    // undefined only outside any route (the not-found handler): route-policy.ts refuses such routes.
    if (permission === undefined || permission === 'public') return;
    const m = BEARER.exec(request.headers.authorization ?? '');
    const token = m ? await ctx.tokens.authenticate(m[1] as string, ctx.clock.now()) : undefined;
    if (!token) {
      void reply.header('www-authenticate', 'Bearer');
      throw apiError('API_UNAUTHENTICATED');
    }
    request.principal = { tokenId: token.id, name: token.name, role: token.role };
    if (!roleMay(token.role, permission)) throw apiError('API_FORBIDDEN', `role ${token.role} lacks permission ${permission}`);
  });
}

/** The audit and operator name of the caller: token name and id. */
export function actorOf(req: { principal: { name: string; tokenId: string } | null }): string {
  return req.principal ? `${req.principal.name}#${req.principal.tokenId}` : 'anonymous';
}
