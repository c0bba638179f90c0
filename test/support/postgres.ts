import { execFile, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './mosquitto.ts';

const run = promisify(execFile);

/** Debian's PostgreSQL 15 (test/peers/system-peers.ts installs it). */
export const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresServer {
  readonly port: number;
  readonly dir: string;
  /** postgres://resabox@127.0.0.1:PORT/NAME: a new database per call, so tests sharing a server do not see each other. */
  createDatabase(name: string): Promise<string>;
  /** SIGKILL-free shutdown (immediate mode), then the folder is removed. */
  stop(): Promise<void>;
}

/**
 * initdb and the server refuse to run as root. As root (CI) they run as the `postgres`
 * system user, which the package creates, in a folder it owns; as anyone else, as that user.
 */
function asServerUserArgs(args: readonly string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', ...args]] : [args[0] as string, args.slice(1)];
}

/** Run from `cwd` (the server's folder): the postgres user may not enter the caller's working directory. */
async function asServerUser(args: readonly string[], cwd: string): Promise<{ stdout: string }> {
  const [command, rest] = asServerUserArgs(args);
  return run(command, rest, { cwd });
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Starts a throwaway PostgreSQL server on a free port in a temp folder: trust auth on
 * 127.0.0.1 only, its socket in that folder. Durability settings are the defaults unless
 * `fast` (fsync off: tests do not cut the power). The caller must call stop().
 */
export async function startPostgres(opts: { fast?: boolean } = {}): Promise<PostgresServer> {
  const dir = mkdtempSync(join(tmpdir(), 'resabox-pg-'));
  if (process.getuid?.() === 0) {
    const { uid, gid } = await postgresIds();
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  try {
    await asServerUser([join(PG_BIN, 'initdb'), '-D', data, '-U', 'resabox', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], dir);
    const settings = ['-c listen_addresses=127.0.0.1', `-c unix_socket_directories=${dir}`, '-c max_connections=200', ...(opts.fast ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : [])];
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await asServerUser([join(PG_BIN, 'pg_ctl'), 'start', '-D', data, '-w', '-t', '60', '-l', join(dir, 'server.log'), '-o', [`-p ${port}`, ...settings].join(' ')], dir);
        break;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
    // A test process that ends without stop() (a crash, a timeout) must not leave a server behind.
    const stopNow = () => {
      const [command, rest] = asServerUserArgs([join(PG_BIN, 'pg_ctl'), 'stop', '-D', data, '-m', 'immediate', '-w']);
      spawnSync(command, rest, { cwd: dir, stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', stopNow);
    const server: PostgresServer = {
      port,
      dir,
      async createDatabase(name) {
        const admin = new pg.Client({ connectionString: `postgres://resabox@127.0.0.1:${port}/postgres` });
        await admin.connect();
        try {
          await admin.query(`CREATE DATABASE "${name}"`);
        } finally {
          await admin.end();
        }
        return `postgres://resabox@127.0.0.1:${port}/${name}`;
      },
      async stop() {
        process.off('exit', stopNow);
        await asServerUser([join(PG_BIN, 'pg_ctl'), 'stop', '-D', data, '-m', 'immediate', '-w'], dir).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return server;
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
