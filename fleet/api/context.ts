import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { CommandCenter } from '../commands/command-center.ts';
import type { ConfigService } from '../config/config-service.ts';
import type { EnrollmentService } from '../enrollment/service.ts';
import type { RightsPublisher } from '../rights/rights-publisher.ts';
import type { ArtifactRepository } from '../rollouts/artifact-repository.ts';
import type { ArtifactUploads } from '../rollouts/artifact-uploads.ts';
import type { OnlineSigner } from '../rollouts/online-signer.ts';
import type { RolloutEngine } from '../rollouts/rollout-engine.ts';
import type { RolloutStore } from '../rollouts/rollout-store.ts';
import type { AuditTrail } from '../store/audit-trail.ts';
import type { BoxDirectory } from '../store/box-directory.ts';
import type { FleetHistory } from '../store/fleet-history.ts';
import type { AlertDesk } from '../store/alert-desk.ts';
import type { PassReports } from '../store/pass-reports.ts';
import type { FleetStore } from '../store/repositories.ts';
import type { TokenRegistry } from '../store/token-registry.ts';
import type { ApiMetrics } from './metrics.ts';
import type { RateLimiter } from './rate-limit.ts';

/** Everything a route handler may use; built once by buildApi(). */
export interface ApiContext {
  store: FleetStore;
  clock: Clock;
  logger: Logger;
  boxes: BoxDirectory;
  tokens: TokenRegistry;
  audit: AuditTrail;
  history: FleetHistory;
  desk: AlertDesk;
  passes: PassReports;
  enrollment: EnrollmentService;
  commands: CommandCenter;
  rights: RightsPublisher;
  metrics: ApiMetrics;
  /** Per client IP on the public enrollment routes: presenting a code, and polling. */
  limiters: { present: RateLimiter; poll: RateLimiter };
  /** The TUF repository directory served to boxes, and the upload cap of a bundle. */
  repository: ArtifactRepository;
  maxArtifactBytes: number;
  /** The online TUF roles (snapshot, timestamp), when the fleet holds their keys; else null. */
  signer: OnlineSigner | null;
  /** Resumable bundle uploads into the repository. */
  uploads: ArtifactUploads;
  rolloutStore: RolloutStore;
  /** Remote configuration, desired/reported. */
  config: ConfigService;
  rollouts: RolloutEngine;
  /** Every audit action the API's routes write, sorted (the audit view's action filter). */
  auditActions(): string[];
}

/** The fastify instance type of the API: TypeBox type provider, pino logger. */
export type ApiInstance = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;
