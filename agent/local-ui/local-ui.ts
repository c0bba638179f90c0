import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/log.ts';
import type { Printer } from '../devices/printer-port.ts';
import { DeskAuth } from './desk-auth.ts';
import { DeskRoutes, type DeskBox } from './desk-routes.ts';
import { readJson, sendError, sendJson } from './http-util.ts';
import { SseChannel } from './sse.ts';
import type { TotemFeed } from './totem-feed.ts';

export interface LocalUiOptions {
  readonly host: string;
  readonly port: number;
  readonly box: DeskBox;
  readonly totem: TotemFeed;
  /** The box's receipt printer, when it has one (the totem's print button). */
  readonly printer?: Printer;
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

/**
 * The box's own pages, served by the agent on the LAN (node:http, static files read once at
 * start, no build step): the totem (`/totem`) and the front desk (`/desk`), live through
 * Server-Sent Events. Nothing here calls the fleet: the pages keep working offline.
 */
export async function startLocalUi(o: LocalUiOptions): Promise<LocalUi> {
  const files = new Map(readdirSync(STATIC_DIR).map((name) => [name, readFileSync(join(STATIC_DIR, name))]));
  const desk = new DeskRoutes(o.box, new DeskAuth(o.deskPin, o.clock));
  const totemChannel = new SseChannel();
  const printed = new Set<number>();
  const unsubscribe = o.totem.onMessage((m) => totemChannel.send('presentation', m));
  const log = o.logger.child({ component: 'local-ui' });

  const serveFile = (res: ServerResponse, name: string) => {
    const body = files.get(name);
    if (!body) return sendError(res, 404, 'UI_NOT_FOUND', `no page ${name}`);
    res.writeHead(200, { 'content-type': TYPES[extname(name)] ?? 'application/octet-stream', 'cache-control': 'no-cache', ...SECURITY_HEADERS });
    res.end(body);
  };

  const printTicket = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readJson(req);
    if (!body.ok) return sendError(res, body.status, body.code, body.message);
    const id = body.value.presentationId;
    const welcome = typeof id === 'number' ? o.totem.welcome(id, o.clock.now()) : undefined;
    if (!welcome) return sendError(res, 404, 'TOTEM_NOTHING_TO_PRINT', 'Présentez votre badge avant d’imprimer un ticket.');
    if (!o.printer) return sendError(res, 503, 'TOTEM_NO_PRINTER', 'Pas d’imprimante sur cette borne.');
    if (printed.has(welcome.id)) return sendError(res, 409, 'TOTEM_ALREADY_PRINTED', 'Ticket déjà imprimé.');
    printed.add(welcome.id);
    const jobId = randomUUID();
    await o.printer.enqueue({ kind: 'receipt', jobId, clubName: o.box.boxName, lines: [{ label: `Passage ${welcome.name}`.slice(0, 40), amountCents: 0 }], totalCents: 0, at: o.clock.now() });
    sendJson(res, 202, { jobId, state: o.printer.jobState(jobId) ?? 'queued' });
  };

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://box').pathname;
    if (req.method === 'GET' && path === '/') {
      res.writeHead(302, { location: '/totem' });
      return res.end();
    }
    if (req.method === 'GET' && path === '/totem') return serveFile(res, 'totem.html');
    if (req.method === 'GET' && path === '/desk') return serveFile(res, 'desk.html');
    if (req.method === 'GET' && path.startsWith('/static/')) return serveFile(res, path.slice('/static/'.length));
    if (req.method === 'GET' && path === '/api/totem/events') return totemChannel.attach(res, [{ event: 'hello', data: { club: o.box.boxName, printer: o.printer !== undefined } }]);
    if (req.method === 'POST' && path === '/api/totem/tickets') return printTicket(req, res);
    if (await desk.handle(req, res, path)) return;
    sendError(res, 404, 'UI_NOT_FOUND', `no ${req.method} ${path}`);
  };

  const server: Server = createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      log.error({ err: e, url: req.url }, 'local UI request failed');
      if (!res.headersSent) sendError(res, 500, 'UI_INTERNAL', 'Erreur interne du boîtier.');
      else res.end();
    });
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
      unsubscribe();
      totemChannel.close();
      desk.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
