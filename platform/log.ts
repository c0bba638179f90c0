import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * The one way to make a logger: structured JSON lines on stdout (or a destination),
 * a `component` field on every line. Tests pass `silentLogger`.
 */
export function createLogger(component: string, options: LoggerOptions = {}): Logger {
  return pino({ level: process.env.LOG_LEVEL ?? 'info', ...options, base: { component, ...(options.base ?? {}) } });
}

export const silentLogger: Logger = pino({ level: 'silent' });
