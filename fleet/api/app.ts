import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { CommandCenter } from '../commands/command-center.ts';
import { ConfigService } from '../config/config-service.ts';
import type { BoxAccess } from '../broker/box-access.ts';
import type { FleetBus } from '../bus/bus.ts';
import { EnrollmentService } from '../enrollment/service.ts';
import { RightsPublisher } from '../rights/rights-publisher.ts';
import { ArtifactRepository } from '../rollouts/artifact-repository.ts';
import { ArtifactUploads } from '../rollouts/artifact-uploads.ts';
import { OnlineSigner } from '../rollouts/online-signer.ts';
import { RolloutEngine, type RolloutNotices } from '../rollouts/rollout-engine.ts';
import type { OnlineKeys } from '../rollouts/tuf-repository.ts';
import type { FleetStore } from '../store/repositories.ts';
import { installAuditHook } from './audit.ts';
import { installAuth } from './auth.ts';
import type { ApiContext, ApiInstance } from './context.ts';
import { installErrorHandler } from './error-handler.ts';
import { apiError } from './errors.ts';
import { ApiMetrics } from './metrics.ts';
import { RateLimiter, type RateLimitOptions } from './rate-limit.ts';
import { installRoutePolicy, type RegisteredRoute } from './route-policy.ts';
import { registerRoutes } from './routes/index.ts';
import { probeRoutes } from './routes/probes.ts';
import { dashboardRoutes } from '../ui/routes.ts';
import type { StepLock } from '../cluster/leadership.ts';
import type { IngestStats } from '../ingest/errors.ts';
import './fastify-types.ts';

export interface ApiDeps {
  store: FleetStore;
  bus: FleetBus;
  access: BoxAccess;
  clock: Clock;
  logger: Logger;
  /** MQTT URL handed to enrolled boxes. */
  mqttUrl: string;
  /** Largest accepted request body; default 1 MiB (a rights batch of a big club fits). */
  bodyLimitBytes?: number;
  /** Code presentations per client IP and in total (default 10 and 120 a minute). */
  enrollmentRateLimit?: RateLimitOptions;
  enrollmentCodeTtlMs?: number;
  commandDefaultTtlMs?: number;
  /** Process metrics (CPU, heap) on /metrics; off in tests. */
  processMetrics?: boolean;
  /** Ingest's counters of this process, shown on /metrics. */
  ingestStats?: IngestStats;
  /** Behind a reverse proxy: its address(es), or true; the client IP then comes from X-Forwarded-For. */
  trustProxy?: boolean | string;
  /** Serve HTTPS with this certificate and key. */
  https?: { cert: string | Buffer; key: string | Buffer };
  /** The TUF repository directory, the URL boxes reach it at (read when a job is sent), the bundle upload cap (default 512 MiB). */
  updates: { repositoryDir: string; repositoryUrl: () => string; maxArtifactBytes?: number; tickMs?: number; onlineKeys?: OnlineKeys; notices?: RolloutNotices; stepLock?: StepLock };
}

/** `routes`: every registered route with the permission it declared (route-policy.ts). */
/** The OpenAPI viewer: public, like the document it shows. */
const SWAGGER_UI_PREFIX = '/docs';

export type FleetApi = ApiInstance & { ctx: ApiContext; routes: readonly RegisteredRoute[] };

/** Builds the fleet HTTP API without listening: `serve` calls listen(), tests call inject(). */
export async function buildApi(deps: ApiDeps): Promise<FleetApi> {
  const { store } = deps;
  const { directory: boxes, history, passReports: passes, audit, rollouts: rolloutStore } = store;
  const ctx: ApiContext = {
    store,
    clock: deps.clock,
    logger: deps.logger,
    boxes,
    tokens: store.tokens,
    audit,
    history,
    desk: store.alertDesk,
    passes,
    enrollment: new EnrollmentService({
      store,
      clock: deps.clock,
      logger: deps.logger,
      access: deps.access,
      mqttUrl: deps.mqttUrl,
      codeTtlMs: deps.enrollmentCodeTtlMs ?? 24 * 3600_000,
    }),
    commands: new CommandCenter({ log: store.commands, boxes, bus: deps.bus, clock: deps.clock, logger: deps.logger, defaultTtlMs: deps.commandDefaultTtlMs ?? 60_000 }),
    rights: new RightsPublisher({ store, bus: deps.bus, clock: deps.clock, logger: deps.logger }),
    metrics: new ApiMetrics({ boxesOnline: () => boxes.countOnline(), openAlerts: () => history.countOpenAlerts(), passesStored: () => passes.count(), ...(deps.ingestStats ? { ingest: deps.ingestStats } : {}) }, deps.processMetrics ?? false),
    limiters: {
      present: new RateLimiter(deps.clock, deps.enrollmentRateLimit ?? { perKey: 10, total: 120, windowMs: 60_000 }),
      // Polls need a 96-bit request id and the poll secret: nothing to guess, so the limit
      // only bounds the load (a box polls every 10 s; several may share one NAT address).
      poll: new RateLimiter(deps.clock, { perKey: 120, total: 6000, windowMs: 60_000 }),
    },
    repository: new ArtifactRepository(deps.updates.repositoryDir),
    maxArtifactBytes: deps.updates.maxArtifactBytes ?? 512 * 1024 * 1024,
    uploads: new ArtifactUploads(deps.updates.repositoryDir, deps.updates.maxArtifactBytes ?? 512 * 1024 * 1024),
    signer: deps.updates.onlineKeys ? new OnlineSigner({ repo: deps.updates.repositoryDir, keys: deps.updates.onlineKeys, clock: deps.clock, logger: deps.logger.child({ component: 'repository' }) }) : null,
    rolloutStore,
    config: new ConfigService({ store: store.desiredConfigs, boxes, bus: deps.bus, clock: deps.clock, logger: deps.logger.child({ component: 'config' }) }),
    rollouts: new RolloutEngine({ store: rolloutStore, boxes, audit, bus: deps.bus, clock: deps.clock, logger: deps.logger.child({ component: 'rollouts' }), repositoryUrl: deps.updates.repositoryUrl, ...(deps.updates.tickMs ? { tickMs: deps.updates.tickMs } : {}), ...(deps.updates.notices ? { notices: deps.updates.notices } : {}), ...(deps.updates.stepLock ? { lock: deps.updates.stepLock } : {}) }),
    auditActions: () => [...new Set(routes.flatMap((r) => (r.audit ? [r.audit] : [])))].sort(),
  };

  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes ?? 1024 * 1024,
    trustProxy: deps.trustProxy ?? false,
    ...(deps.https ? { https: deps.https } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  // JSON only: a text body is refused with 415 rather than validated as a string.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('principal', null);
  app.decorateRequest('auditTarget', null);
  app.decorateRequest('auditDetail', null);
  app.decorateRequest('auditSkip', false);
  installErrorHandler(app);
  const routes = installRoutePolicy(app, [SWAGGER_UI_PREFIX]);
  // A POST without any body means "no options" (revoke, accept...): validated as {}.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && (request.method === 'POST' || request.method === 'PUT')) request.body = {};
  });
  // A body in another charset would be read as UTF-8 and silently garbled: refused instead.
  app.addHook('onRequest', async (request) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw apiError('API_UNSUPPORTED_CHARSET', undefined, { charset });
  });
  installAuth(app, ctx);
  installAuditHook(app, ctx);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    ctx.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    ctx.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'RESABOX fleet API', version: '1', description: 'Boxes, enrollment, health, events, alerts, passes, rights and remote commands. See docs/fleet-api.md.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API token (resabox-fleet token create)' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: SWAGGER_UI_PREFIX });
  app.get('/openapi.json', { config: { permission: 'public' }, schema: { hide: true } }, async () => app.swagger());
  app.get('/metrics', { config: { permission: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    void reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
  await app.register(probeRoutes, { store: deps.store, bus: deps.bus });
  await app.register(registerRoutes, { ctx });
  await app.register(dashboardRoutes, { ctx });
  return Object.assign(app, { ctx, routes });
}
