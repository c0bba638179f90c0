import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import { DeskAuth } from './desk-auth.ts';
import { DeskRoutes } from './desk-routes.ts';
import type { PageBox } from './desk-state.ts';
import { uiError } from './errors.ts';
import { rawBadRequest, sendError } from './http-util.ts';
import type { TotemFeed } from './totem-feed.ts';
import { TotemRoutes } from './totem-routes.ts';

export interface LocalUiOptions {
  readonly host: string;
  readonly port: number;
  readonly box: PageBox;
  readonly totem: { readonly feed: TotemFeed; readonly lanes: ReadonlyMap<string, string>; readonly printer: boolean; readonly guestPasses: boolean };
  /** The front-desk PIN; undefined refuses every desk login. */
  readonly deskPin: string | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface LocalUi {
  readonly url: string;
  close(): Promise<void>;
}

const STATIC_DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'static');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
/**
 * Nothing outside the box: the pages must work with the club's internet down, and a
 * kiosk must not be turned into a browser for other sites.
 */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
const PAGES: Record<string, string> = { '/totem': 'totem.html', '/desk': 'desk.html' };

/**
 * The box's own pages, served by the agent on the LAN (node:http, static files read once at
 * start, no build step): the totem (`/totem`) and the front desk (`/desk`), live through
 * Server-Sent Events. Nothing here calls the fleet: the pages keep working offline. Every
 * request it cannot serve gets a coded 4xx with a French message (errors.ts).
 */
export async function startLocalUi(o: LocalUiOptions): Promise<LocalUi> {
  const files = new Map(readdirSync(STATIC_DIR).map((name) => [name, readFileSync(join(STATIC_DIR, name))]));
  const desk = new DeskRoutes(o.box, new DeskAuth(o.deskPin, o.clock), o.clock);
  const totem = new TotemRoutes({ ...o.totem, tickets: o.box.tickets, clubName: () => o.box.rights.clubName ?? o.box.boxName, clock: o.clock });
  const log = o.logger.child({ component: 'local-ui' });

  const serveFile = (res: ServerResponse, name: string) => {
    const body = files.get(name);
    if (!body) return sendError(res, 'UI_NOT_FOUND');
    res.writeHead(200, { 'content-type': TYPES[extname(name)] ?? 'application/octet-stream', 'cache-control': 'no-cache', ...SECURITY_HEADERS });
    res.end(body);
  };

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://box');
    } catch {
      return sendError(res, 'UI_BAD_REQUEST');
    }
    const path = url.pathname;
    // HEAD is a GET without its body (Node drops the body of a HEAD response itself).
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (read && path === '/') {
      res.writeHead(302, { location: '/totem' });
      return res.end();
    }
    if (read && PAGES[path]) return serveFile(res, PAGES[path]);
    if (read && path.startsWith('/static/')) return serveFile(res, path.slice('/static/'.length));
    if (await totem.handle(req, res, url)) return;
    if (await desk.handle(req, res, url)) return;
    if (PAGES[path] || path.startsWith('/static/') || path.startsWith('/api/')) return sendError(res, knownPath(path) ? 'UI_METHOD_NOT_ALLOWED' : 'UI_NOT_FOUND');
    sendError(res, 'UI_NOT_FOUND');
  };

  const server: Server = createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      log.error({ err: e, url: req.url }, 'local UI request failed');
      if (!res.headersSent) sendError(res, uiError('UI_INTERNAL'));
      else res.end();
    });
  });
  // A request Node cannot parse (a broken request line, headers too large): a French 400.
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end(rawBadRequest());
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  log.info({ url }, 'local pages listening');
  return {
    url,
    async close() {
      totem.close();
      desk.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const API_PATHS = ['/totem', '/desk', '/api/totem/events', '/api/totem/guest-pass', '/api/desk/login', '/api/desk/logout', '/api/desk/state', '/api/desk/events', '/api/desk/members', '/api/desk/open', '/api/desk/occupancy', '/api/desk/day-pass'];
const knownPath = (path: string) => API_PATHS.includes(path) || /^\/api\/desk\/members\/[^/]+$/.test(path);
