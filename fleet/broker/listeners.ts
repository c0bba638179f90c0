import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { PacketSizeGuard } from './packet-size-guard.ts';

export interface ListenOptions {
  /** Plain MQTT over TCP (1883 in production; 0 = any free port). */
  readonly tcp?: { port: number; host?: string };
  /** MQTT over TLS (8883); PEM certificate chain and key. */
  readonly tls?: { port: number; host?: string; cert: string | Buffer; key: string | Buffer; ca?: string | Buffer };
  /** MQTT over WebSocket (any path), for boxes behind proxies that only pass HTTP(S). */
  readonly ws?: { port: number; host?: string };
}

export interface BoundAddresses {
  tcp?: number;
  tls?: number;
  ws?: number;
}

export type StreamHandler = (stream: Duplex) => void;

/** Which listener of the fleet: the MQTT ones here, and the HTTP API (fleet-service.ts). */
export type ListenerName = 'mqtt' | 'mqtts' | 'mqtt-ws' | 'http';

/** A listener that could not open its port (taken, not allowed, no such address): the fleet cannot start. */
export class ListenError extends Error {
  readonly code = 'LISTEN_FAILED';
  constructor(
    readonly listener: ListenerName,
    readonly port: number,
    readonly host: string | undefined,
    readonly reason: string,
  ) {
    super(`${listener} listener cannot open ${host ?? '0.0.0.0'}:${port}: ${reason}`);
  }
}

/** The plain words for the errors listen() gives. */
export function listenReason(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'EADDRINUSE') return 'the port is already in use';
  if (code === 'EACCES') return 'permission denied (ports below 1024 need privileges)';
  if (code === 'EADDRNOTAVAIL') return 'no such address on this machine';
  return (e as Error).message;
}

/**
 * Wraps a connection so that every MQTT packet goes through a PacketSizeGuard before
 * aedes' parser sees it; an oversized packet destroys the connection.
 */
export function guarded(inner: Duplex, maxPacketBytes: number, onOversize: (bytes: number) => void): Duplex {
  const guard = new PacketSizeGuard(maxPacketBytes, onOversize);
  inner.pipe(guard);
  const outer = Duplex.from({ readable: guard, writable: inner });
  guard.on('error', (e) => {
    inner.destroy();
    outer.destroy(e);
  });
  inner.on('close', () => outer.destroy());
  return outer;
}

function listen(server: Server | HttpServer, name: ListenerName, port: number, host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (e: unknown) => reject(new ListenError(name, port, host, listenReason(e)));
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Starts the configured listeners; every accepted connection goes to `handle`. */
export async function startListeners(options: ListenOptions, handle: StreamHandler): Promise<{ addresses: BoundAddresses; close: () => Promise<void> }> {
  const closers: (() => Promise<void>)[] = [];
  const addresses: BoundAddresses = {};
  const sockets = new Set<Duplex>();
  const track = (s: Duplex) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    handle(s);
  };
  try {
    if (options.tcp) {
      const server = createTcpServer(track);
      addresses.tcp = await listen(server, 'mqtt', options.tcp.port, options.tcp.host);
      closers.push(() => closeServer(server));
    }
    if (options.tls) {
      const { cert, key, ca } = options.tls;
      const server = createTlsServer({ cert, key, ...(ca ? { ca } : {}) }, track);
      addresses.tls = await listen(server, 'mqtts', options.tls.port, options.tls.host);
      closers.push(() => closeServer(server));
    }
    if (options.ws) {
      const http = createHttpServer();
      const wss = new WebSocketServer({ server: http });
      // ws re-emits the HTTP server's errors: listen() below reports a failed bind, the rest is per connection.
      wss.on('error', () => undefined);
      wss.on('connection', (ws) => track(createWebSocketStream(ws)));
      addresses.ws = await listen(http, 'mqtt-ws', options.ws.port, options.ws.host);
      closers.push(async () => {
        for (const c of wss.clients) c.terminate();
        await new Promise<void>((r) => wss.close(() => r()));
        await closeServer(http);
      });
    }
  } catch (e) {
    await Promise.all(closers.map((c) => c()));
    throw e;
  }
  return {
    addresses,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(closers.map((c) => c()));
    },
  };
}
