import type { FastifyError } from 'fastify';
import type { ApiInstance } from './context.ts';
import { ApiError, errorPayload } from './errors.ts';

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** "/body/lines" style path of a validation issue; required-property errors name the missing field. */
function issuePath(context: string, issue: ValidationIssue): string {
  let path = issue.instancePath ?? '';
  const missing = issue.params?.['requiredProperties'] ?? issue.params?.['missingProperty'];
  if (Array.isArray(missing) && typeof missing[0] === 'string') path += `/${missing[0]}`;
  else if (typeof missing === 'string') path += `/${missing}`;
  return `${context}${path}`;
}

/**
 * Maps every failure to the catalog: our ApiErrors as they are, fastify's schema
 * validation to API_VALIDATION_FAILED with the field paths, body-size and parse errors to
 * their codes, anything else to API_INTERNAL (logged, never echoed).
 */
export function installErrorHandler(app: ApiInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) {
      if (error.code === 'API_RATE_LIMITED' && typeof error.detail === 'object' && error.detail !== null) {
        const after = (error.detail as { retryAfterS?: number }).retryAfterS;
        if (after !== undefined) void reply.header('retry-after', String(after));
      }
      return reply.status(error.status).send(errorPayload(error));
    }
    const fe = error as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
    if (fe.validation) {
      const context = fe.validationContext ?? 'body';
      const issues = fe.validation.slice(0, 10).map((i) => ({ path: issuePath(context, i), message: i.message ?? 'invalid' }));
      const first = issues[0];
      const e = new ApiError('API_VALIDATION_FAILED', first ? `${first.path}: ${first.message}` : undefined, { issues });
      return reply.status(e.status).send(errorPayload(e));
    }
    switch (fe.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.status(413).send(errorPayload(new ApiError('API_PAYLOAD_TOO_LARGE')));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.status(415).send(errorPayload(new ApiError('API_UNSUPPORTED_MEDIA_TYPE')));
      default:
        break;
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(400).send(errorPayload(new ApiError('API_BAD_REQUEST', fe.message)));
    }
    request.log.error({ err: error }, 'unhandled API error');
    return reply.status(500).send(errorPayload(new ApiError('API_INTERNAL')));
  });
  app.setNotFoundHandler((_request, reply) => reply.status(404).send(errorPayload(new ApiError('API_NOT_FOUND', 'no such route'))));
}
