import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../fleet/cli/main.ts';
import { STORE_ENV } from '../../fleet/store/open-store.ts';
import { startPostgres, type PostgresServer } from '../support/postgres.ts';

let server: PostgresServer;
let dir: string;
beforeAll(async () => {
  server = await startPostgres({ fast: true });
  dir = mkdtempSync(join(tmpdir(), 'resabox-fleet-pg-'));
}, 120_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(argv: string[], store: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  process.env[STORE_ENV] = store;
  try {
    const code = await runCli(argv, (l) => out.push(l), (l) => err.push(l));
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    delete process.env[STORE_ENV];
  }
}

/** Runs `resabox-fleet serve` as an operator would; resolves with its API URL, or rejects with what it printed. */
function serve(args: string[]) {
  const bin = join(process.cwd(), 'bin', 'resabox-fleet.js');
  const child = spawn(process.execPath, [bin, 'serve', '--data-dir', dir, '--http-host', '127.0.0.1', '--http-port', '0', '--mqtt-port', '0', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      output += b.toString();
      const m = /fleet API: (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) resolve(m[1] as string);
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
  return { child, exited, started, output: () => output };
}

describe('resabox-fleet on PostgreSQL', () => {
  it('keeps its data in the PostgreSQL database that --store (or RESABOX_FLEET_STORE) names', async () => {
    const url = await server.createDatabase('fleet');
    const t = await cli(['token', 'create', '--role', 'admin', '--name', 'ops', '--data-dir', dir], url);
    expect(t.code, t.err).toBe(0);
    const token = t.out.split('\n')[1] as string;
    expect((await cli(['club', 'create', '--id', 'club-pg', '--name', 'PG', '--timezone', 'Europe/Paris', '--data-dir', dir], url)).code).toBe(0);
    const fleet = serve(['--store', url]);
    try {
      const api = await fleet.started;
      const clubs = await fetch(`${api}/v1/clubs`, { headers: { authorization: `Bearer ${token}` } });
      expect(clubs.status).toBe(200);
      expect(JSON.stringify(await clubs.json())).toContain('club-pg');
    } finally {
      fleet.child.kill('SIGINT');
    }
    expect(await fleet.exited).toBe(0);
  }, 120_000);

  it('refuses a store it cannot use with a coded error, and stops', async () => {
    const wrong = serve(['--store', 'mysql://fleet@127.0.0.1/fleet']);
    await expect(wrong.started).rejects.toThrow(/STORE_URL_INVALID/);
    expect(await wrong.exited).not.toBe(0);
    const down = serve(['--store', `postgres://resabox@127.0.0.1:${server.port + 1}/fleet`]);
    await expect(down.started).rejects.toThrow(/STORE_UNREACHABLE/);
  }, 120_000);
});
