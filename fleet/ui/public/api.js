/* global localStorage, TextDecoderStream */
// Fleet API access for the dashboard: the token (kept in localStorage), JSON calls, and
// the live change stream (Server-Sent Events read over fetch, so the token travels in a header).
const KEY = 'resabox.token';

export const token = {
  get: () => localStorage.getItem(KEY) ?? '',
  set: (t) => localStorage.setItem(KEY, t),
  clear: () => localStorage.removeItem(KEY),
};

/** A refused call: the fleet's catalog message and code (`{ error: { code, message } }`, docs/fleet-api.md). */
export class ApiError extends Error {
  constructor(status, body) {
    const error = typeof body === 'object' && body !== null ? body.error : undefined;
    super(error?.message ? `${error.message} (${error.code ?? `HTTP ${status}`})` : `HTTP ${status}`);
    this.status = status;
    this.code = error?.code;
    this.detail = error?.detail;
  }
}

export async function api(path, { method = 'GET', body, ticket } = {}) {
  const headers = { authorization: `Bearer ${token.get()}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (ticket) headers['x-ticket'] = ticket;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const json = text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

/** Calls onChange(topics) for every change the fleet announces; reconnects with a delay. */
export function liveChanges(onChange, onState) {
  let stopped = false;
  let controller;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const res = await fetch('/v1/stream', { headers: { authorization: `Bearer ${token.get()}` }, signal: controller.signal });
        if (!res.ok || !res.body) throw new Error(`stream: HTTP ${res.status}`);
        onState(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let end;
          while ((end = buf.indexOf('\n\n')) !== -1) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event === 'change' && data) onChange(JSON.parse(data).topics);
          }
        }
      } catch {
        // Network error or fleet restart: retried below.
      }
      onState(false);
      if (!stopped) await new Promise((r) => setTimeout(r, 2000));
    }
  };
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
