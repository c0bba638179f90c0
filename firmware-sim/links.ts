import { createServer, type Server, type Socket } from 'node:net';
import type { SimLink } from './link.ts';

export interface ClosableLink extends SimLink {
  close(): Promise<void>;
}

/** The device end of a serial line: a pty end made by socat, or a real port wired to the box. */
export async function openSerialLink(path: string, baudRate = 9600): Promise<ClosableLink> {
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  const listeners = new Set<(chunk: Uint8Array) => void>();
  port.on('data', (chunk: Buffer) => {
    for (const l of [...listeners]) l(new Uint8Array(chunk));
  });
  port.on('error', () => undefined);
  return {
    write: (data) => {
      if (port.isOpen) port.write(Buffer.from(data));
    },
    onData: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

/**
 * A device reachable over TCP (a printer on port 9100, a reader behind a serial-to-Ethernet
 * converter). Bytes go to whichever host is connected; a new connection replaces the old one.
 */
export async function listenTcpLink(port = 0, host = '127.0.0.1'): Promise<ClosableLink & { readonly port: number }> {
  const listeners = new Set<(chunk: Uint8Array) => void>();
  let current: Socket | undefined;
  const server: Server = createServer((socket) => {
    current?.destroy();
    current = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      for (const l of [...listeners]) l(new Uint8Array(chunk));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (current === socket) current = undefined;
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, () => resolve()));
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    port: bound,
    write: (data) => {
      if (current && !current.destroyed) current.write(data);
    },
    onData: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    close: () =>
      new Promise<void>((resolve) => {
        current?.destroy();
        server.close(() => resolve());
      }),
  };
}
