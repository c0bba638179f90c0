import type { ServerResponse } from 'node:http';

/**
 * Server-Sent Events to the pages: one open response per screen. A comment line every 15 s
 * keeps proxies and the browser from dropping an idle stream; EventSource reconnects by
 * itself when the agent restarts.
 */
export class SseChannel {
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(heartbeatMs = 15_000) {
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) c.write(': keep-alive\n\n');
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Takes over `res` as an event stream; `initial` events are sent to this client only. */
  attach(res: ServerResponse, initial: readonly { event: string; data: unknown }[] = []): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    for (const e of initial) res.write(frame(e.event, e.data));
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  send(event: string, data: unknown): void {
    const text = frame(event, data);
    for (const c of this.clients) c.write(text);
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.end();
    this.clients.clear();
  }
}

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
