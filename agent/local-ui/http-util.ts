import type { IncomingMessage, ServerResponse } from 'node:http';
import { uiError, type UiError, type UiErrorCode } from './errors.ts';

/** A coded refusal as JSON: `{ error: { code, message } }` (the pages show `message`). */
export function sendError(res: ServerResponse, error: UiError | UiErrorCode, headers: Record<string, string> = {}): void {
  const e = typeof error === 'string' ? uiError(error) : error;
  sendJson(res, e.status, { error: { code: e.code, message: e.message } }, headers);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

const MAX_BODY = 4096;

/**
 * Reads a small JSON object body. Only `application/json` is accepted: a cross-site form
 * cannot send it without a CORS preflight, which this server never answers.
 */
export async function readJson(req: IncomingMessage): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; error: UiError }> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return { ok: false, error: uiError('UI_UNSUPPORTED_MEDIA_TYPE') };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return { ok: false, error: uiError('UI_PAYLOAD_TOO_LARGE') };
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return { ok: true, value: value as Record<string, unknown> };
  } catch {
    return { ok: false, error: uiError('UI_NOT_JSON') };
  }
}

/**
 * A cookie's value, or undefined. A value that is not valid percent-encoding (a stray `%`)
 * is no session: it is ignored like any unknown cookie, never an error.
 */
export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A text field of a body: trimmed, 1..max characters, or undefined. */
export function textField(body: Record<string, unknown>, name: string, max: number): string | undefined {
  const v = body[name];
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t.length > 0 && t.length <= max ? t : undefined;
}

/** The raw response the server writes itself when Node cannot even parse a request. */
export function rawBadRequest(): string {
  const body = JSON.stringify({ error: { code: 'UI_BAD_REQUEST', message: uiError('UI_BAD_REQUEST').message } });
  return `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}
