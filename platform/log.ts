import { pino, type Level, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * The one way to make a logger: structured JSON lines on stdout (or a destination),
 * a `component` field on every line. Tests pass `silentLogger`.
 */
export function createLogger(component: string, options: LoggerOptions = {}): Logger {
  return pino({ level: process.env.LOG_LEVEL ?? 'info', ...options, base: { component, ...(options.base ?? {}) } });
}

/**
 * createLogger whose lines also go to `copy` from `copyLevel` up, whatever the stdout level
 * (the agent's in-memory ring for the fleet's fetch-logs keeps info lines when stdout shows warn).
 */
export function createTeeLogger(component: string, options: LoggerOptions, copy: { write(line: string): unknown }, copyLevel: Level = 'info'): Logger {
  const stdoutLevel = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const rank = (level: string): number => pino.levels.values[level] ?? Number.POSITIVE_INFINITY;
  const level = rank(stdoutLevel) <= rank(copyLevel) ? stdoutLevel : copyLevel;
  const streams = pino.multistream([
    { level: stdoutLevel as Level, stream: pino.destination(1) },
    { level: copyLevel, stream: copy },
  ]);
  return pino({ ...options, level, base: { component, ...(options.base ?? {}) } }, streams);
}

export const silentLogger: Logger = pino({ level: 'silent' });
