import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A usage problem: printed with the subcommand's help, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict flags (unknown flags and stray arguments are usage errors) plus --help. */
export function parseFlags<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** A flag, else an environment variable, else the default. */
export function flagOrEnv(flag: string | undefined, env: string, fallback?: string): string | undefined {
  return flag ?? process.env[env] ?? fallback;
}

export function port(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${name} must be a port number, got ${value}`);
  return n;
}

export function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new UsageError(`${name} is required`);
  return value;
}
