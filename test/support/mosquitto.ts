import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface MosquittoProcess {
  readonly port: number;
  readonly pid: number;
  readonly dir: string;
  readonly passwordFile: string;
  readonly aclFile: string;
  /** SIGHUP: Mosquitto re-reads the password and ACL files. */
  reload(): void;
  stop(): Promise<void>;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * A free port below the kernel's ephemeral range (32768+ on Linux): a port found with
 * listen(0) is ephemeral, and under load the kernel hands it to an outgoing connection
 * before Mosquitto can bind it.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });
}

/**
 * Starts a private /usr/sbin/mosquitto on a free port with a temp config (never the
 * system service). `writeAuth(passwordFile, aclFile)` must create both files first.
 * The caller must call stop().
 */
export async function startMosquitto(opts: Parameters<typeof startOnce>[0]): Promise<MosquittoProcess> {
  // The free port is found before Mosquitto binds it: another process may take it meanwhile.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      if (attempt >= 3 || !/Address already in use/.test((e as Error).message)) throw e;
    }
  }
}

async function startOnce(opts: {
  conf: (files: { passwordFile: string; aclFile: string; port: number }) => string;
  writeAuth: (passwordFile: string, aclFile: string) => void;
  binary?: string;
  maxOpenFiles?: number;
  /** As a packaged Mosquitto started by root runs: it drops to its own `mosquitto` user (the folder is made readable to it). */
  asSystemService?: boolean;
}): Promise<MosquittoProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'resabox-mosquitto-'));
  if (opts.asSystemService) chmodSync(dir, 0o755);
  const passwordFile = join(dir, 'passwd');
  const aclFile = join(dir, 'acl');
  opts.writeAuth(passwordFile, aclFile);
  const port = await freePort();
  const confFile = join(dir, 'mosquitto.conf');
  // Started as root, Mosquitto would drop to the `mosquitto` user, which cannot read our
  // private temp dir: keep the current user.
  writeFileSync(confFile, `${opts.asSystemService ? '' : `user ${userInfo().username}\n`}${opts.conf({ passwordFile, aclFile, port })}`);
  const binary = opts.binary ?? '/usr/sbin/mosquitto';
  // For thousands of connections the broker needs more file descriptors than the default.
  const proc: ChildProcess = opts.maxOpenFiles
    ? spawn('bash', ['-c', `ulimit -n ${opts.maxOpenFiles} 2>/dev/null || true; exec ${binary} -c ${confFile}`], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(binary, ['-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  proc.on('exit', () => (exited = true));
  const deadline = Date.now() + 10_000;
  while (!(await portOpen(port))) {
    if (exited || Date.now() > deadline) {
      proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`mosquitto did not start on port ${port}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    pid: proc.pid as number,
    dir,
    passwordFile,
    aclFile,
    reload() {
      proc.kill('SIGHUP');
    },
    async stop() {
      if (!exited) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
        if (!exited) proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
