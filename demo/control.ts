import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Clock } from '../platform/clock.ts';
import { badge } from './activity.ts';
import type { ClubBox } from './club-box.ts';

/**
 * The demo's control surface: a small HTTP server on the loopback interface that changes
 * the simulated world while the demo runs, for demonstrations and end-to-end tests. It is
 * named in the demo's banner ("Demo control:") and in docs/demo.md.
 *
 *   GET  /boxes                   every box: power and printer state
 *   POST /boxes/{id}/printer      {"silent": true}   the printer simulator stops answering (false: answers again)
 *   POST /boxes/{id}/power        {"on": false}      the box is powered off: its launcher and agent stop (true: back on)
 *   POST /boxes/{id}/badge        {"lane": "entry", "tag": 10000111}   a card held to that lane's reader
 *
 * Errors answer `{"error": {"code", "message"}}`: DEMO_BOX_UNKNOWN (404), DEMO_BAD_REQUEST
 * (400), DEMO_NOT_FOUND (404). Extend it with a route per new control, keeping it additive.
 */
export interface DemoControl {
  readonly url: string;
  close(): Promise<void>;
}

interface BoxState {
  readonly box: ClubBox;
  printerSilent: boolean;
  powered: boolean;
}

class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startDemoControl(boxes: readonly ClubBox[], listen: { readonly port: number; readonly host?: string }, clock: Clock): Promise<DemoControl> {
  const states = new Map<string, BoxState>(boxes.map((box) => [box.boxId, { box, printerSilent: false, powered: true }]));
  const view = (s: BoxState) => ({ boxId: s.box.boxId, power: s.powered ? 'on' : 'off', printer: { silent: s.printerSilent } });
  const stateOf = (id: string): BoxState => {
    const s = states.get(id);
    if (!s) throw new ControlError(404, 'DEMO_BOX_UNKNOWN', `no demo box ${JSON.stringify(id)} (boxes: ${[...states.keys()].join(', ')})`);
    return s;
  };

  const handle = async (req: IncomingMessage): Promise<unknown> => {
    const path = new URL(req.url ?? '/', 'http://control').pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (req.method === 'GET' && path.length === 1 && path[0] === 'boxes') return { boxes: [...states.values()].map(view) };
    if (req.method === 'POST' && path.length === 3 && path[0] === 'boxes') {
      const s = stateOf(path[1] as string);
      const body = await readJson(req);
      if (path[2] === 'printer') {
        s.printerSilent = flag(body, 'silent');
        s.box.printer.goSilent(s.printerSilent);
        return view(s);
      }
      if (path[2] === 'badge') {
        const { lane, tag } = (body ?? {}) as { lane?: unknown; tag?: unknown };
        if ((lane !== 'entry' && lane !== 'exit') || typeof tag !== 'number' || !Number.isSafeInteger(tag) || tag < 0 || tag > 0xffffffff) throw new ControlError(400, 'DEMO_BAD_REQUEST', 'the body must be {"lane": "entry"|"exit", "tag": a 32-bit badge number}');
        badge(s.box.readers[lane], tag, clock);
        return { ...view(s), presented: { lane, tag } };
      }
      if (path[2] === 'power') {
        const on = flag(body, 'on');
        if (on && !s.powered) s.box.launcher.start();
        if (!on && s.powered) await s.box.launcher.stop();
        s.powered = on;
        return view(s);
      }
    }
    throw new ControlError(404, 'DEMO_NOT_FOUND', `no control ${req.method} ${req.url}`);
  };

  const server = createServer((req, res) => {
    handle(req).then(
      (body) => send(res, 200, body),
      (e: unknown) => (e instanceof ControlError ? send(res, e.status, { error: { code: e.code, message: e.message } }) : send(res, 500, { error: { code: 'DEMO_INTERNAL', message: (e as Error).message } })),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : listen.port;
  return { url: `http://${listen.host ?? '127.0.0.1'}:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function flag(body: unknown, name: string): boolean {
  const v = (body as Record<string, unknown> | null)?.[name];
  if (typeof v !== 'boolean') throw new ControlError(400, 'DEMO_BAD_REQUEST', `the body must be {"${name}": true|false}`);
  return v;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 10_000) throw new ControlError(400, 'DEMO_BAD_REQUEST', 'body too large');
  }
  try {
    return text.length === 0 ? null : (JSON.parse(text) as unknown);
  } catch {
    throw new ControlError(400, 'DEMO_BAD_REQUEST', 'the body is not JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
