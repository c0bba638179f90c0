import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.ts';
import { adminRoutes } from './admin.ts';
import { alertHandlingRoutes } from './alert-handling.ts';
import { boxRoutes } from './boxes.ts';
import { clubRightsRoutes } from './clubs-rights.ts';
import { commandRoutes } from './commands.ts';
import { configRoutes } from './config.ts';
import { enrollmentRoutes } from './enrollments.ts';
import { monitoringRoutes } from './monitoring.ts';
import { passRoutes } from './passes.ts';
import { releaseRoutes } from './releases.ts';
import { rolloutRoutes } from './rollouts.ts';
import { supportRoutes } from './support.ts';
import { updateRepositoryRoutes } from './update-repository.ts';

/** Every /v1 route of the fleet API. */
export const registerRoutes: FastifyPluginAsyncTypebox<{ ctx: ApiContext }> = async (app, { ctx }) => {
  for (const routes of [alertHandlingRoutes, boxRoutes, enrollmentRoutes, monitoringRoutes, commandRoutes, passRoutes, clubRightsRoutes, adminRoutes, rolloutRoutes, releaseRoutes, configRoutes, updateRepositoryRoutes, supportRoutes]) await app.register(routes, { ctx });
};
