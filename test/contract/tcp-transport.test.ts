import { createServer, type Server, type Socket } from 'node:net';
import { TcpTransport } from '../../agent/transport/tcp.ts';
import { transportContract, type ContractPeer } from './transport.contract.ts';

/** A local TCP peer the test controls: it can drop the connection, stop listening or stop reading. */
class LocalPeer implements ContractPeer {
  private server: Server | undefined;
  private socket: Socket | undefined;
  private listeners = new Set<(chunk: Uint8Array) => void>();
  port = 0;

  async listen(): Promise<void> {
    const server = createServer((socket) => {
      this.socket?.destroy();
      this.socket = socket;
      socket.on('data', (chunk) => {
        for (const l of [...this.listeners]) l(new Uint8Array(chunk));
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', () => resolve()));
    const address = server.address();
    if (typeof address === 'object' && address) this.port = address.port;
    this.server = server;
  }

  write(data: Uint8Array): void {
    this.socket?.write(data);
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dropConnection(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  async stopReading(): Promise<void> {
    // The server may see the connection a moment after the client does.
    while (!this.socket) await new Promise((r) => setTimeout(r, 5));
    this.socket.pause();
  }

  async stopListening(): Promise<void> {
    this.dropConnection();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

transportContract('TcpTransport against a local server', async () => {
  const peer = new LocalPeer();
  await peer.listen();
  const transport = new TcpTransport('127.0.0.1', peer.port, 2000);
  return {
    transport,
    peer: () => peer,
    loseLink: async () => peer.dropConnection(),
    makeUnreachable: () => peer.stopListening(),
    restore: async () => {
      if (!(peer as unknown as { server?: Server }).server) await peer.listen();
    },
    stallWrites: async () => {
      await peer.stopReading();
      // Far more than the loopback socket buffers hold, so the write cannot complete.
      return new Uint8Array(64 * 1024 * 1024);
    },
    dispose: () => peer.stopListening(),
  };
});
