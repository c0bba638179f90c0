import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TransportConfig } from '../agent/transport/transport.ts';
import { listenTcpLink, openSerialLink, type ClosableLink } from '../firmware-sim/links.ts';

/** How the demo joins each agent driver to its simulator. */
export type LinkMode = 'pty' | 'tcp';

/** One byte link: the agent opens `transport`, the simulator holds `device`. */
export interface DemoLink {
  readonly transport: TransportConfig;
  readonly device: ClosableLink;
  readonly describe: string;
  stop(): Promise<void>;
}

const liveSocats = new Set<ChildProcess>();
// Whatever way this process ends (an uncaught error included), its socat children end too.
process.once('exit', () => {
  for (const p of liveSocats) p.kill('SIGTERM');
});

/** socat on PATH? Checked once by running `socat -V`. */
export async function socatAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn('socat', ['-V'], { stdio: 'ignore' });
    p.on('error', () => resolve(false));
    p.on('exit', (code) => resolve(code === 0));
  });
}

/**
 * A virtual serial line: a socat pty pair under `dir`, the agent on end `a`, the simulator
 * on end `b` (no baud timing, no RTS/DTR: see docs/demo.md). socat is a child of this process,
 * stopped by stop(), and at the latest when this process exits.
 */
async function ptyLink(dir: string, name: string, baudRate: number): Promise<DemoLink> {
  mkdirSync(dir, { recursive: true });
  const a = join(dir, `${name}.agent`);
  const b = join(dir, `${name}.device`);
  rmSync(a, { force: true });
  rmSync(b, { force: true });
  const proc: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  let exited = false;
  liveSocats.add(proc);
  const gone = () => {
    exited = true;
    liveSocats.delete(proc);
  };
  proc.on('exit', gone);
  proc.on('error', gone);
  const stop = async (): Promise<void> => {
    if (exited) return;
    const done = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    await done;
  };
  const deadline = Date.now() + 10_000;
  while (!(existsSync(a) && existsSync(b))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`socat could not create the pty pair for ${name}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const device = await openSerialLink(b, baudRate);
  return {
    transport: { kind: 'serial', path: a, baudRate },
    device,
    describe: `pty ${a}`,
    stop: async () => {
      await device.close();
      await stop();
    },
  };
}

async function tcpLink(): Promise<DemoLink> {
  const device = await listenTcpLink(0);
  return { transport: { kind: 'tcp', host: '127.0.0.1', port: device.port }, device, describe: `tcp 127.0.0.1:${device.port}`, stop: () => device.close() };
}

export function openDemoLink(mode: LinkMode, dir: string, name: string, baudRate = 9600): Promise<DemoLink> {
  return mode === 'pty' ? ptyLink(dir, name, baudRate) : tcpLink();
}
