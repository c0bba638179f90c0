/**
 * A small client of the fleet HTTP API for the support CLI. Every failure becomes a
 * `CliFailure` with a stable code: the API's own coded error (`API_UNAUTHENTICATED`...)
 * with its HTTP status, or `CLI_FLEET_UNREACHABLE` / `CLI_BAD_RESPONSE` when the fleet
 * could not be reached or answered something that is not the API.
 */
import { API_ERRORS } from '../../fleet/api/errors.ts';

export const EXIT = { ok: 0, apiError: 1, usage: 2, unreachable: 3, notCarriedOut: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface FleetConnection {
  readonly url: string;
  readonly token: string;
  /** Per request; the fleet answers in milliseconds, a hung proxy must not hang the CLI. */
  readonly timeoutMs?: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API bodies are read field by field by each command
export type ApiBody = any;

export class FleetClient {
  constructor(private readonly conn: FleetConnection) {}

  get(path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<ApiBody> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return this.request('GET', qs ? `${path}?${qs}` : path);
  }

  post(path: string, body: unknown, ticket?: string): Promise<ApiBody> {
    return this.request('POST', path, body, ticket);
  }

  put(path: string, body: unknown, ticket?: string): Promise<ApiBody> {
    return this.request('PUT', path, body, ticket);
  }

  /** PUT of raw bytes (application/octet-stream): a bundle chunk, a metadata file. */
  putBytes(path: string, bytes: Uint8Array, headers: Record<string, string> = {}, ticket?: string): Promise<ApiBody> {
    return this.request('PUT', path, bytes, ticket, headers);
  }

  /** A public file of the fleet (the update repository's metadata), as bytes; null when it has none (404). */
  async getBytes(path: string): Promise<Buffer | null> {
    const url = new URL(path.replace(/^\//, ''), this.conn.url.endsWith('/') ? this.conn.url : `${this.conn.url}/`);
    const res = await fetch(url, { signal: AbortSignal.timeout(this.conn.timeoutMs ?? 30_000) }).catch((e: unknown) => {
      throw new CliFailure('CLI_FLEET_UNREACHABLE', `cannot reach the fleet at ${url.origin}: ${(e as Error).message}`, EXIT.unreachable);
    });
    if (res.status === 404) return null;
    if (!res.ok) throw new CliFailure('CLI_BAD_RESPONSE', `GET ${url.pathname}: HTTP ${res.status}`, EXIT.apiError, res.status);
    return Buffer.from(await res.arrayBuffer());
  }

  /** A POST answered with a file (the escalation bundle): its bytes and the name the fleet suggests. */
  async download(path: string, body: unknown, ticket?: string): Promise<{ bytes: Buffer; filename: string | null; sha256: string | null }> {
    const { res, url } = await this.send('POST', path, body, ticket, { accept: '*/*' });
    if (!res.ok) return this.parse(res, 'POST', url);
    const filename = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? null;
    return { bytes: Buffer.from(await res.arrayBuffer()), filename, sha256: res.headers.get('x-bundle-sha256') };
  }

  private async request(method: string, path: string, body?: unknown, ticket?: string, extra: Record<string, string> = {}): Promise<ApiBody> {
    const { res, url } = await this.send(method, path, body, ticket, extra);
    return this.parse(res, method, url);
  }

  private async send(method: string, path: string, body: unknown, ticket: string | undefined, extra: Record<string, string>): Promise<{ res: Response; url: URL }> {
    const url = new URL(path.replace(/^\//, ''), this.conn.url.endsWith('/') ? this.conn.url : `${this.conn.url}/`);
    const headers: Record<string, string> = { authorization: `Bearer ${this.conn.token}`, accept: 'application/json', ...extra };
    const raw = body instanceof Uint8Array;
    if (body !== undefined) headers['content-type'] = raw ? 'application/octet-stream' : 'application/json';
    if (ticket) headers['x-ticket'] = ticket;
    try {
      // A bundle waits for the box's doctor and logs (up to 35 s): more than an ordinary call.
      const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: raw ? body : JSON.stringify(body) }), signal: AbortSignal.timeout(this.conn.timeoutMs ?? 60_000) });
      return { res, url };
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new CliFailure('CLI_FLEET_UNREACHABLE', `cannot reach the fleet at ${url.origin}: ${cause?.code ?? cause?.message ?? (e as Error).message}`, EXIT.unreachable);
    }
  }

  private async parse(res: Response, method: string, url: URL): Promise<ApiBody> {
    const text = await res.text();
    let parsed: ApiBody;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : null;
    } catch {
      throw new CliFailure('CLI_BAD_RESPONSE', `${method} ${url.pathname}: HTTP ${res.status} with a body that is not JSON (is ${url.origin} the fleet API?)`, EXIT.apiError, res.status);
    }
    if (res.ok) return parsed;
    const error = parsed?.error;
    // Only the fleet's own codes pass through as they came: another server's (a box page
    // given as --url) or a newer fleet's unknown code is shown, under the CLI's code.
    if (error && typeof error.code === 'string' && Object.hasOwn(API_ERRORS, error.code)) throw new CliFailure(error.code, String(error.message ?? ''), EXIT.apiError, res.status);
    if (error && typeof error.code === 'string') throw new CliFailure('CLI_BAD_RESPONSE', `${method} ${url.pathname}: HTTP ${res.status} with a code the fleet API does not have: ${error.code}: ${String(error.message ?? '')} (is ${url.origin} the fleet API, of this version?)`, EXIT.apiError, res.status);
    throw new CliFailure('CLI_BAD_RESPONSE', `${method} ${url.pathname}: HTTP ${res.status} without a coded error`, EXIT.apiError, res.status);
  }
}
