import type { IncomingMessage, ServerResponse } from 'node:http';

/** A coded refusal as JSON: `{ error: { code, message } }` (the pages show `message`). */
export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { code, message } }, headers);
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
export async function readJson(req: IncomingMessage): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; status: number; code: string; message: string }> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return { ok: false, status: 415, code: 'UI_UNSUPPORTED_MEDIA_TYPE', message: 'expected an application/json body' };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return { ok: false, status: 413, code: 'UI_PAYLOAD_TOO_LARGE', message: `body over ${MAX_BODY} bytes` };
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return { ok: true, value: value as Record<string, unknown> };
  } catch {
    return { ok: false, status: 400, code: 'UI_BAD_REQUEST', message: 'the body is not a JSON object' };
  }
}

export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
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
