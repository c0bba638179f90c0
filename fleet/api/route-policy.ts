import type { ApiInstance } from './context.ts';
import { PERMISSIONS, type Permission } from './roles.ts';

/** A route as registered: its method, URL pattern and what it needs (a permission, or `public`). */
export interface RegisteredRoute {
  method: string;
  url: string;
  permission: Permission | 'public';
  /** The audit action the route writes, if it changes state. */
  audit?: string;
}

export class RoutePolicyError extends Error {
  readonly code = 'API_ROUTE_POLICY_MISSING';
}

/**
 * Security by default: every route must say who may call it, either a permission from the
 * role table or an explicit `public`. A route that says neither (or names an unknown
 * permission) is refused at registration, so the fleet does not start with a hole in it.
 * Routes of third-party plugins (the OpenAPI viewer) are declared public here by prefix,
 * because their options are not ours to set. Returns the table of registered routes, which
 * the role test walks in full.
 */
export function installRoutePolicy(app: ApiInstance, publicPrefixes: readonly string[]): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { permission?: unknown };
    if (config.permission === undefined && publicPrefixes.some((p) => route.url === p || route.url.startsWith(`${p}/`))) route.config = { ...route.config, permission: 'public' };
    const permission = (route.config as { permission?: unknown } | undefined)?.permission;
    if (permission !== 'public' && !(typeof permission === 'string' && permission in PERMISSIONS)) {
      throw new RoutePolicyError(`route ${String(route.method)} ${route.url} declares no permission: set config.permission to a role permission or 'public'`);
    }
    const audit = (route.config as { audit?: string } | undefined)?.audit;
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, permission: permission as Permission | 'public', ...(audit ? { audit } : {}) });
  });
  return routes;
}
