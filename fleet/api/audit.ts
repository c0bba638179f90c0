import type { FastifyRequest } from 'fastify';
import { actorOf } from './auth.ts';
import type { ApiContext, ApiInstance } from './context.ts';

const TICKET = /^[A-Za-z0-9][A-Za-z0-9._:#/-]{0,63}$/;

/** The support ticket of a call: X-Ticket header, else a `ticket` field of the body. */
export function ticketOf(request: FastifyRequest): string | null {
  const header = request.headers['x-ticket'];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  const body = request.body as { ticket?: unknown } | null | undefined;
  const candidate = fromHeader ?? (body && typeof body === 'object' && typeof body.ticket === 'string' ? body.ticket : undefined);
  return candidate !== undefined && TICKET.test(candidate) ? candidate : null;
}

/**
 * Writes one audit row for every call to a route with an `audit` action: who (token, role,
 * or the client IP on public routes), what (action, target, outcome status), when, and the
 * ticket. It runs in onSend, before the response leaves, so a client that sees the answer
 * can already read the row. Unauthenticated failures are not written: anyone could flood
 * the log with them, and the access log and metrics count them.
 */
export function installAuditHook(app: ApiInstance, ctx: ApiContext): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const action = request.routeOptions.config.audit;
    if (action === undefined || request.auditSkip) return payload;
    const p = request.principal;
    const status = reply.statusCode;
    const isPublic = (request.routeOptions.config.permission ?? 'public') === 'public';
    if (!p && (!isPublic || status >= 400)) return payload;
    const params = request.params as Record<string, string> | undefined;
    await ctx.audit.append({
      at: ctx.clock.now(),
      actor: p ? actorOf(request) : `public@${request.ip}`,
      actorRole: p?.role ?? null,
      action,
      target: request.auditTarget ?? (params ? Object.values(params).join('/') || null : null),
      ticket: ticketOf(request),
      detail: { status, method: request.method, url: request.url, ...(request.auditDetail ?? {}) },
      sourceIp: request.ip,
    });
    return payload;
  });
}
