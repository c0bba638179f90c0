import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

/**
 * A static file server for a TUF repository directory, as the fleet serves it: 404 for
 * missing files, `Range: bytes=N-` / `bytes=N-M` answered with 206. Tests hook requests
 * to play an attacker or a broken network (`intercept`), or cut a body short (`cutAfter`).
 */
export interface RepoServer {
  url: string;
  /** Every request as `METHOD path [range]`. */
  requests: string[];
  /** Return true when the hook answered the request itself. */
  intercept: ((path: string, req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>) | null;
  /** Destroys the connection after this many body bytes of the next matching file. */
  cutAfter: { path: string; bytes: number } | null;
  close(): Promise<void>;
}

export async function startRepoServer(dir: string): Promise<RepoServer> {
  const state: RepoServer = { url: '', requests: [], intercept: null, cutAfter: null, close: async () => undefined };
  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    state.requests.push(`${req.method} ${path}${req.headers.range ? ` ${req.headers.range}` : ''}`);
    if (state.intercept && (await state.intercept(path, req, res))) return;
    const file = normalize(join(dir, path));
    if (!file.startsWith(normalize(dir)) ) return void res.writeHead(403).end();
    const st = await stat(file).catch(() => null);
    if (!st || !st.isFile()) return void res.writeHead(404).end();
    let start = 0;
    let end = st.size - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      if (range[2]) end = Math.min(end, Number(range[2]));
      if (start >= st.size) return void res.writeHead(416, { 'content-range': `bytes */${st.size}` }).end();
      res.writeHead(206, { 'content-type': 'application/octet-stream', 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${st.size}` });
    } else res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': st.size });
    const cut = state.cutAfter && state.cutAfter.path === path ? state.cutAfter : null;
    if (cut) {
      state.cutAfter = null;
      const head = Buffer.alloc(Math.min(cut.bytes, end - start + 1));
      const fh = await open(file, 'r');
      await fh.read(head, 0, head.length, start).finally(() => fh.close());
      res.write(head, () => setTimeout(() => res.destroy(), 50));
      return;
    }
    createReadStream(file, { start, end }).pipe(res);
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  state.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}
