/** The configuration's coded errors: each names the bad field, what was expected and what was found. */
export type ConfigErrorCode =
  /** The file cannot be read. */
  | 'CONFIG_UNREADABLE'
  /** The file is not valid YAML / JSON. */
  | 'CONFIG_SYNTAX'
  /** A field breaks the schema (type, range, pattern, unknown or missing field). */
  | 'CONFIG_INVALID'
  /** Two devices, buses or lanes share an id. */
  | 'CONFIG_DUPLICATE_ID'
  /** A reference names a device, bus or printer that does not exist, or one of the wrong kind. */
  | 'CONFIG_BAD_REFERENCE'
  /** Two things claim what only one may have (a reader in two lanes, two devices at one bus address). */
  | 'CONFIG_CONFLICT';

export interface ConfigError {
  readonly code: ConfigErrorCode;
  /** Where, as a readable path: `devices[2].transport.baudRate`; `(file)` for the whole file. */
  readonly path: string;
  readonly expected: string;
  readonly got: string;
}

export function configError(code: ConfigErrorCode, path: string, expected: string, got: string): ConfigError {
  return { code, path, expected, got };
}

/** One line per error, as `--check` prints it. */
export function formatConfigError(e: ConfigError): string {
  return `${e.code} at ${e.path}: expected ${e.expected}, got ${e.got}`;
}

/** A value shown in an error: JSON, cut short so one error stays one line. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** JSON pointer `/devices/2/transport` -> `devices[2].transport`. */
export function readablePath(pointer: string): string {
  if (pointer === '') return '(root)';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  }
  return out;
}
