import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FleetBus } from '../../bus/bus.ts';
import type { FleetStore } from '../../store/repositories.ts';

/** A store that does not answer within this is reported unreachable. */
const STORE_CHECK_MS = 2_000;

export interface Readiness {
  readonly ready: boolean;
  readonly checks: { readonly store: 'ok' | 'unreachable'; readonly broker: 'ok' | 'disconnected' };
}

/**
 * What a load balancer or an orchestrator asks every fleet instance, without a token:
 * `/healthz` says the process answers (restart it if not); `/readyz` says it can serve
 * (send it traffic if so): its store answers a read of the boxes table (reachable, and the
 * schema is there: migrations run before an instance listens) and its broker link is up.
 */
export const probeRoutes: FastifyPluginAsyncTypebox<{ store: FleetStore; bus: FleetBus }> = async (app, { store, bus }) => {
  const hidden = { config: { permission: 'public' as const }, schema: { hide: true } };
  app.get('/healthz', hidden, async () => ({ status: 'up' }));
  app.get('/readyz', hidden, async (_req, reply) => {
    const r = await readiness(store, bus);
    return reply.status(r.ready ? 200 : 503).send(r);
  });
};

export async function readiness(store: FleetStore, bus: FleetBus): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), STORE_CHECK_MS)));
  const storeOk = await Promise.race([store.boxes.get('readyz-probe'), timeout]).then(
    () => true,
    () => false,
  );
  clearTimeout(timer);
  const brokerOk = bus.connected?.() ?? true;
  return { ready: storeOk && brokerOk, checks: { store: storeOk ? 'ok' : 'unreachable', broker: brokerOk ? 'ok' : 'disconnected' } };
}
