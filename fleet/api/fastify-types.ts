import type { ApiTokenRow } from '../store/token-registry.ts';
import type { Permission } from './roles.ts';

/** Who is calling: a token's principal, or null for the public enrollment routes. */
export interface Principal {
  tokenId: string;
  name: string;
  role: ApiTokenRow['role'];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission a caller's role needs (roles.ts), or 'public'; a route without one is refused at registration (route-policy.ts). */
    permission?: Permission | 'public';
    /** Audit action name written for this state-changing route (audit.ts). */
    audit?: string;
    /** Count requests against this enrollment rate limiter (public routes). */
    rateLimited?: 'present' | 'poll';
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** Set by handlers: what the audit row says was acted on, and extra detail. */
    auditTarget: string | null;
    auditDetail: Record<string, unknown> | null;
    /** Set by a handler whose call changed nothing this time (an enrollment poll still pending). */
    auditSkip: boolean;
  }
}
