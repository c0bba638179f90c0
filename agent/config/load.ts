import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Compile } from 'typebox/compile';
import { Settings } from 'typebox/system';
import { parseDocument } from 'yaml';
import { err, ok, type Result } from '../../protocol/core/result.ts';
import { configError, type ConfigError } from './errors.ts';
import { BoxConfigSchema, type BoxConfig } from './schema.ts';
import { translateSchemaErrors } from './schema-errors.ts';
import { checkSemantics } from './semantics.ts';

const validator = Compile(BoxConfigSchema);

export interface LoadedConfig {
  readonly config: BoxConfig;
  /** The file it came from, absolute. */
  readonly file: string;
  /** config.dataDir made absolute (relative paths are relative to the config file). */
  readonly dataDir: string;
}

/** Parses YAML (JSON is valid YAML; a `.json` file is parsed as strict JSON). */
export function parseConfigText(text: string, json: boolean): Result<unknown, ConfigError[]> {
  if (json) {
    try {
      return ok(JSON.parse(text) as unknown);
    } catch (e) {
      return err([configError('CONFIG_SYNTAX', '(file)', 'valid JSON', (e as Error).message)]);
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) return err(doc.errors.map((e) => configError('CONFIG_SYNTAX', '(file)', 'valid YAML', e.message.split('\n')[0] ?? e.message)));
  return ok(doc.toJS() as unknown);
}

/** Schema first (every field error at once), then the cross-reference rules. */
export function validateConfig(raw: unknown): Result<BoxConfig, ConfigError[]> {
  if (!validator.Check(raw)) return err(translateSchemaErrors(BoxConfigSchema, raw, allErrors(raw)));
  const semantic = checkSemantics(raw);
  return semantic.length > 0 ? err(semantic) : ok(raw);
}

/**
 * TypeBox buffers 8 errors by default (a guard for untrusted input); a configuration file
 * is the operator's own, and they want every error in one pass. The global setting is
 * restored at once (synchronous), so other validators in the process keep theirs.
 */
function allErrors(raw: unknown) {
  const previous = Settings.Get().maxErrors;
  Settings.Set({ maxErrors: 1000 });
  try {
    return validator.Errors(raw);
  } finally {
    Settings.Set({ maxErrors: previous });
  }
}

export async function loadConfigFile(path: string): Promise<Result<LoadedConfig, ConfigError[]>> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return err([configError('CONFIG_UNREADABLE', '(file)', 'a readable configuration file', `${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)]);
  }
  const parsed = parseConfigText(text, file.endsWith('.json'));
  if (!parsed.ok) return parsed;
  const valid = validateConfig(parsed.value);
  if (!valid.ok) return valid;
  return ok({ config: valid.value, file, dataDir: resolve(dirname(file), valid.value.dataDir) });
}
