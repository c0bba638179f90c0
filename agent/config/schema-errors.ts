import type { TLocalizedValidationError } from 'typebox/error';
import { configError, describeValue, readablePath, type ConfigError } from './errors.ts';

/**
 * Turns TypeBox validation errors into ConfigErrors a technician can act on.
 *
 * A union (a device, a transport) reports the errors of every branch; this keeps only the
 * branch whose `kind` the value names, or says that the `kind` itself is unknown. For a
 * union of literals it says "one of ...". The "schema is false" twin of an unknown field
 * is dropped in favour of the additionalProperties error.
 */
export function translateSchemaErrors(schema: unknown, value: unknown, errors: readonly TLocalizedValidationError[]): ConfigError[] {
  // A schema path is shared by every item of an array, so a dropped branch is a pair:
  // the branch's schema path and the instance (one item) it was tried on.
  const dropped: { schema: string; instance: string }[] = [];
  const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  const isDropped = (e: TLocalizedValidationError) => dropped.some((d) => under(e.schemaPath, d.schema) && under(e.instancePath, d.instance));
  const out: ConfigError[] = [];
  const unions = errors.filter((e) => e.keyword === 'anyOf').sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const u of unions) {
    if (isDropped(u)) continue;
    const branches = ((resolve(schema, u.schemaPath) as { anyOf?: unknown[] } | undefined)?.anyOf ?? []) as Record<string, unknown>[];
    const at = resolve(value, `#${u.instancePath}`);
    const kinds = branches.map((b) => (b.properties as Record<string, { const?: unknown }> | undefined)?.kind?.const);
    const literals = branches.map((b) => b.const);
    const kind = typeof at === 'object' && at !== null ? (at as { kind?: unknown }).kind : undefined;
    const match = kinds.findIndex((k) => k !== undefined && k === kind);
    branches.forEach((_b, i) => i !== match && dropped.push({ schema: `${u.schemaPath}/anyOf/${i}`, instance: u.instancePath }));
    if (match >= 0) continue;
    if (literals.every((l) => l !== undefined)) {
      out.push(configError('CONFIG_INVALID', readablePath(u.instancePath), `one of ${literals.map((l) => JSON.stringify(l)).join(', ')}`, describeValue(at)));
    } else if (kinds.every((k) => k !== undefined) && typeof at === 'object' && at !== null) {
      out.push(configError('CONFIG_INVALID', readablePath(`${u.instancePath}/kind`), `one of ${kinds.map((k) => JSON.stringify(k)).join(', ')}`, describeValue(kind)));
    } else {
      out.push(configError('CONFIG_INVALID', readablePath(u.instancePath), 'an object with a known "kind"', describeValue(at)));
    }
  }
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'boolean' || isDropped(e)) continue;
    out.push(...translateOne(schema, value, e));
  }
  return dedupe(out);
}

function translateOne(schema: unknown, value: unknown, e: TLocalizedValidationError): ConfigError[] {
  const got = describeValue(resolve(value, `#${e.instancePath}`));
  const path = readablePath(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return (params.requiredProperties as string[]).map((p) => configError('CONFIG_INVALID', readablePath(`${e.instancePath}/${p}`), 'a value (required field)', 'nothing'));
    case 'additionalProperties': {
      const known = Object.keys((resolve(schema, e.schemaPath) as { properties?: object } | undefined)?.properties ?? {});
      return (params.additionalProperties as string[]).map((p) =>
        configError('CONFIG_INVALID', readablePath(`${e.instancePath}/${p}`), `no such field (known: ${known.join(', ')})`, 'an unknown field'),
      );
    }
    case 'type':
      return [configError('CONFIG_INVALID', path, `a value of type ${String(params.type)}`, got)];
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return [configError('CONFIG_INVALID', path, `a number ${String(params.comparison)} ${String(params.limit)}`, got)];
    case 'pattern': {
      const description = (resolve(schema, e.schemaPath) as { description?: string } | undefined)?.description;
      return [configError('CONFIG_INVALID', path, description ?? `text matching ${String(params.pattern)}`, got)];
    }
    case 'const':
      return [configError('CONFIG_INVALID', path, JSON.stringify(params.allowedValue), got)];
    case 'minItems':
      return [configError('CONFIG_INVALID', path, `at least ${String(params.limit)} item(s)`, got)];
    case 'minLength':
      return [configError('CONFIG_INVALID', path, `at least ${String(params.limit)} character(s)`, got)];
    default:
      return [configError('CONFIG_INVALID', path, e.message, got)];
  }
}

/** Resolves a `#/a/0/b` pointer in a schema or a value; undefined when absent. */
function resolve(root: unknown, pointer: string): unknown {
  let at = root;
  for (const raw of pointer.replace(/^#\/?/, '').split('/')) {
    if (raw === '') continue;
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return at;
}

function dedupe(errors: ConfigError[]): ConfigError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.code}|${e.path}|${e.expected}|${e.got}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
