import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderTicket, ticketQrPayloads } from '../firmware-sim/printer/ticket.ts';
import type { ClubBox } from './club-box.ts';

/**
 * The demo's own control surface, on loopback only: what a person standing in the club would
 * do (hold a badge to a reader, scan a QR code, take a ticket from the printer) and what a
 * demo of failures needs (stop the fleet and start it again). JSON in and out, coded errors.
 * Tests drive `npm start` through it; docs/demo.md lists the routes. Add a route to ROUTES.
 */
export interface DemoControlTarget {
  readonly boxes: () => readonly ClubBox[];
  readonly fleet: { running(): boolean; stop(): Promise<void>; start(): Promise<void> };
}

type Json = Record<string, unknown>;
type Reply = { status: number; body: unknown };
interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: RegExp;
  readonly help: string;
  handle(t: DemoControlTarget, params: string[], body: Json): Promise<Reply> | Reply;
}

const ok = (body: unknown = { ok: true }): Reply => ({ status: 200, body });
const fail = (status: number, code: string, message: string): Reply => ({ status, body: { error: { code, message } } });
const LANES = ['entry', 'exit', 'pmr'] as const;

function boxOf(t: DemoControlTarget, id: string | undefined): ClubBox | Reply {
  return t.boxes().find((b) => b.boxId === id) ?? fail(404, 'CONTROL_NO_BOX', `no box ${id ?? ''} in this demo (GET /boxes lists them)`);
}
const isReply = (x: ClubBox | Reply): x is Reply => 'status' in x;

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: /^\/boxes$/, help: 'the boxes, their pages and their lanes', handle: (t) => ok({ boxes: t.boxes().map((b) => ({ id: b.boxId, pages: b.pages, lanes: LANES })) }) },
  {
    method: 'POST',
    path: /^\/boxes\/([^/]+)\/badge$/,
    help: '{lane: entry|exit|pmr, tag: number}: a badge held to that lane\'s reader for 400 ms',
    handle(t, [id], body) {
      const box = boxOf(t, id);
      if (isReply(box)) return box;
      const lane = body.lane as (typeof LANES)[number];
      const tag = body.tag;
      if (!LANES.includes(lane) || typeof tag !== 'number' || !Number.isInteger(tag) || tag < 0 || tag > 0xffffffff) return fail(400, 'CONTROL_BAD_REQUEST', 'expected {lane: entry|exit|pmr, tag: 0..4294967295}');
      box.readers[lane].present({ version: 0, tag });
      setTimeout(() => box.readers[lane].remove(), 400).unref();
      return ok();
    },
  },
  {
    method: 'POST',
    path: /^\/boxes\/([^/]+)\/scan$/,
    help: '{text}: a QR code shown to the entry lane\'s scanner',
    handle(t, [id], body) {
      const box = boxOf(t, id);
      if (isReply(box)) return box;
      if (typeof body.text !== 'string' || body.text.length === 0 || body.text.length > 1000) return fail(400, 'CONTROL_BAD_REQUEST', 'expected {text: the QR code\'s text}');
      try {
        box.scanner.scan(body.text);
      } catch (e) {
        return fail(400, 'CONTROL_BAD_REQUEST', (e as Error).message);
      }
      return ok();
    },
  },
  {
    method: 'GET',
    path: /^\/boxes\/([^/]+)\/tickets$/,
    help: 'what the box\'s printer printed: each ticket\'s lines and QR codes',
    handle(t, [id]) {
      const box = boxOf(t, id);
      if (isReply(box)) return box;
      return ok({ tickets: box.printer.tickets.map((p) => ({ lines: renderTicket(p), qr: ticketQrPayloads(p) })) });
    },
  },
  {
    method: 'POST',
    path: /^\/boxes\/([^/]+)\/printer$/,
    help: '{silent: true|false}: the printer simulator stops answering (an unplugged printer), or answers again',
    handle(t, [id], body) {
      const box = boxOf(t, id);
      if (isReply(box)) return box;
      if (typeof body.silent !== 'boolean') return fail(400, 'CONTROL_BAD_REQUEST', 'expected {silent: true|false}');
      box.printer.goSilent(body.silent);
      return ok({ silent: body.silent });
    },
  },
  {
    method: 'POST',
    path: /^\/boxes\/([^/]+)\/power$/,
    help: '{on: true|false}: the box powered off (its launcher and agent stop, it goes offline) or on again',
    async handle(t, [id], body) {
      const box = boxOf(t, id);
      if (isReply(box)) return box;
      if (typeof body.on !== 'boolean') return fail(400, 'CONTROL_BAD_REQUEST', 'expected {on: true|false}');
      if (body.on) box.launcher.start();
      else await box.launcher.stop();
      return ok({ on: body.on });
    },
  },
  { method: 'GET', path: /^\/fleet$/, help: 'whether the fleet runs', handle: (t) => ok({ running: t.fleet.running() }) },
  { method: 'POST', path: /^\/fleet\/stop$/, help: 'stops the fleet (API, dashboard, broker): the boxes carry on offline', handle: async (t) => (await t.fleet.stop(), ok({ running: false })) },
  { method: 'POST', path: /^\/fleet\/start$/, help: 'starts the fleet again on the same ports and data', handle: async (t) => (await t.fleet.start(), ok({ running: true })) },
];

async function readBody(req: IncomingMessage): Promise<Json | undefined> {
  let text = '';
  for await (const chunk of req as AsyncIterable<Buffer>) {
    text += chunk.toString();
    if (text.length > 16_384) return undefined;
  }
  if (text === '') return {};
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

const help = () => `RESABOX demo control (loopback only)\n${ROUTES.map((r) => `  ${r.method.padEnd(4)} ${r.path.source.replace(/^\^|\$$/g, '').replace(/\\\//g, '/').replace('([^/]+)', ':box')}  ${r.help}`).join('\n')}\n`;

async function serve(t: DemoControlTarget, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://control').pathname;
  const send = ({ status, body }: Reply) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  if (req.method === 'GET' && path === '/') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    return void res.end(help());
  }
  const matches = ROUTES.filter((r) => r.path.test(path));
  const route = matches.find((r) => r.method === req.method);
  if (!route) return send(matches.length > 0 ? fail(405, 'CONTROL_METHOD', `${req.method} not allowed on ${path}`) : fail(404, 'CONTROL_NOT_FOUND', `no route ${path} (GET / lists them)`));
  const body = req.method === 'POST' ? await readBody(req) : {};
  if (body === undefined) return send(fail(400, 'CONTROL_BAD_REQUEST', 'the body must be a JSON object'));
  send(await route.handle(t, (route.path.exec(path) ?? []).slice(1), body));
}

/**
 * The fleet as the control surface stops and starts it: the first service, then new ones on
 * the same ports and data folder. Calls are serialised: a start never races a stop.
 */
export function fleetSwitch(first: { close(): Promise<void> }, restart: () => Promise<{ close(): Promise<void> }>): DemoControlTarget['fleet'] {
  let current: { close(): Promise<void> } | undefined = first;
  let queue: Promise<unknown> = Promise.resolve();
  const serial = (work: () => Promise<void>) => (queue = queue.then(work, work)) as Promise<void>;
  return {
    running: () => current !== undefined,
    stop: () =>
      serial(async () => {
        const s = current;
        current = undefined;
        await s?.close();
      }),
    start: () =>
      serial(async () => {
        current ??= await restart();
      }),
  };
}

/** Listens on 127.0.0.1:`port` (0: a free port); resolves with its URL and a close(). */
export async function startDemoControl(t: DemoControlTarget, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    serve(t, req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: { code: 'CONTROL_FAILED', message: (e as Error).message } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`the demo control surface cannot listen on 127.0.0.1:${port} (${e.code ?? e.message}): set RESABOX_DEMO_CONTROL_PORT to a free port`)));
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
