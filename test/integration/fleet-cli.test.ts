import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { runCli } from '../../fleet/cli/main.ts';
import { UsageError } from '../../fleet/cli/args.ts';
import { serveOptions } from '../../fleet/cli/serve.ts';
import { openSqliteStore } from '../../fleet/store/sqlite-store.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'resabox-fleet-cli-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** `resabox-fleet serve` from bin/, on ephemeral ports; `apiUrl` resolves once it printed the API address. */
function startServe(extra: string[]) {
  const dir = tempDir();
  const bin = join(process.cwd(), 'bin', 'resabox-fleet.js');
  const child = spawn(process.execPath, [bin, 'serve', '--data-dir', dir, '--http-host', '127.0.0.1', '--http-port', '0', '--mqtt-port', '0', '--mqtt-host', '127.0.0.1', ...extra], { env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const apiUrl = new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /fleet API: (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m && /embedded MQTT broker/.test(output)) resolve(m[1] as string);
    };
    child.stdout.on('data', check);
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
  return { child, exited, apiUrl, output: () => output };
}

/** The CONNACK return code the broker answers to one MQTT 3.1.1 connect. */
async function connackCode(port: number, username: string): Promise<number> {
  try {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, clientId: username, username, password: 'not-a-secret', reconnectPeriod: 0, connectTimeout: 30_000 });
    await c.endAsync();
    return 0;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'number') throw e;
    return code;
  }
}

describe('resabox-fleet CLI', () => {
  it('has --help on every subcommand and refuses unknown commands and flags with usage', async () => {
    for (const sub of [['serve'], ['token', 'create'], ['token', 'list'], ['token', 'revoke'], ['club', 'create'], ['box', 'create'], ['enrollment-code', 'create']]) {
      const r = await cli([...sub, '--help']);
      expect(r.code, sub.join(' ')).toBe(0);
      expect(r.out).toContain(`Usage: resabox-fleet ${sub.join(' ')}`);
    }
    expect((await cli(['--help'])).code).toBe(0);
    expect((await cli(['launch', 'rockets'])).code).toBe(2);
    const badFlag = await cli(['token', 'create', '--rol', 'admin']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.err).toContain('Usage: resabox-fleet token create');
  });

  it('creates a token printed once and stored hashed, a club, a box with its code and a club code, all audited', async () => {
    const dir = tempDir();
    const t = await cli(['token', 'create', '--role', 'support', '--name', 'alice', '--data-dir', dir]);
    expect(t.code).toBe(0);
    const token = t.out.split('\n')[1] as string;
    expect(token).toMatch(/^rbx_[A-Za-z0-9_-]{43}$/);
    expect((await cli(['club', 'create', '--id', 'club-1', '--name', 'One', '--timezone', 'Europe/Paris', '--data-dir', dir])).code).toBe(0);
    const box = await cli(['box', 'create', '--club', 'club-1', '--id', 'box-cli-1', '--tag', 'a', '--tag', 'b', '--data-dir', dir]);
    expect(box.code).toBe(0);
    expect(box.out).toMatch(/enrollment code: [0-9A-Z]{4}(-[0-9A-Z]{4}){3}/);
    expect((await cli(['enrollment-code', 'create', '--club', 'club-1', '--data-dir', dir])).out).toMatch(/enrollment code: /);
    const missing = await cli(['box', 'create', '--club', 'nowhere', '--data-dir', dir]);
    expect([missing.code, missing.err]).toEqual([1, 'error: CLUB_NOT_FOUND: no such club']);
    expect((await cli(['club', 'create', '--id', 'c', '--name', 'x', '--timezone', 'Mars/Olympus', '--data-dir', dir])).code).toBe(2);

    const store = openSqliteStore(join(dir, 'fleet.db'));
    try {
      expect(await store.tokens.authenticate(token, Date.now())).toMatchObject({ name: 'alice', role: 'support' });
      expect(JSON.stringify(store.db.prepare('SELECT * FROM api_tokens').all())).not.toContain(token);
      expect(await store.boxes.get('box-cli-1')).toMatchObject({ status: 'pending', clubId: 'club-1', tags: ['a', 'b'] });
      const actions = (store.db.prepare('SELECT action FROM audit_log ORDER BY id').all() as { action: string }[]).map((r) => r.action);
      expect(actions).toEqual(['token.create', 'club.upsert', 'box.create', 'enrollment-code.create']);
    } finally {
      await store.close();
    }
  });

  it('serve starts the whole fleet from bin/resabox-fleet.js and stops cleanly on SIGINT', async () => {
    const serve = startServe([]);
    try {
      const url = await serve.apiUrl;
      const doc = await fetch(`${url}/openapi.json`);
      expect(doc.status).toBe(200);
      expect(((await doc.json()) as { info: { title: string } }).info.title).toBe('RESABOX fleet API');
      expect((await fetch(`${url}/v1/boxes`)).status).toBe(401);
      expect(serve.output()).toMatch(/embedded MQTT broker: \{"tcp":\d+\}/);
    } finally {
      serve.child.kill('SIGINT');
    }
    expect(await serve.exited).toBe(0);
  });

  it('--connect-rate and RESABOX_FLEET_CONNECT_RATE set the embedded broker admission; bad values and an external broker are usage errors', () => {
    expect(serveOptions(['--connect-rate', '50']).admission).toEqual({ perSecond: 50, burst: 50, maxInFlight: 64 });
    expect(serveOptions([]).admission).toBeUndefined();
    process.env.RESABOX_FLEET_CONNECT_RATE = '7';
    try {
      expect(serveOptions([]).admission).toEqual({ perSecond: 7, burst: 7, maxInFlight: 64 });
      expect(serveOptions(['--connect-rate', '9']).admission).toEqual({ perSecond: 9, burst: 9, maxInFlight: 64 });
    } finally {
      delete process.env.RESABOX_FLEET_CONNECT_RATE;
    }
    for (const bad of ['0', '-3', '1.5', 'fast', '']) expect(() => serveOptions(['--connect-rate', bad]), bad).toThrow(UsageError);
    process.env.RESABOX_FLEET_BROKER_PASSWORD = 'x';
    try {
      expect(() => serveOptions(['--broker-url', 'mqtt://127.0.0.1:1883', '--connect-rate', '10'])).toThrow(/embedded broker only/);
    } finally {
      delete process.env.RESABOX_FLEET_BROKER_PASSWORD;
    }
  });

  it('serve --connect-rate 1: of a burst of connects, those over the rate get CONNACK 3 (server unavailable), the others the normal answer', async () => {
    const serve = startServe(['--connect-rate', '1']);
    try {
      await serve.apiUrl;
      const port = Number(/embedded MQTT broker: \{"tcp":(\d+)\}/.exec(serve.output())?.[1]);
      // Unknown boxes: an admitted connect is answered 5 (not authorized), a refused one 3.
      const codes = await Promise.all(Array.from({ length: 10 }, (_, i) => connackCode(port, `nobody-${i}`)));
      // Burst 1, then 1 a second: at least one of 10 simultaneous connects is over the rate.
      expect(codes.filter((c) => c === 3).length).toBeGreaterThan(0);
      expect(codes.filter((c) => c === 5).length).toBeGreaterThan(0);
      expect(codes.every((c) => c === 3 || c === 5)).toBe(true);
    } finally {
      serve.child.kill('SIGINT');
    }
    expect(await serve.exited).toBe(0);
  });
});
