import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'resabox-listen-'));
  dirs.push(d);
  return d;
};

/** Runs a command to its exit (or kills it after `ms`): code, output, and whether it had to be killed. */
function run(cmd: string, args: string[], env: Record<string, string>, ms = 60_000): Promise<{ code: number | null; out: string; err: string; hung: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    let hung = false;
    const timer = setTimeout(() => ((hung = true), child.kill('SIGKILL')), ms);
    child.on('exit', (code) => (clearTimeout(timer), resolve({ code, out, err, hung })));
  });
}

const serve = (args: string[]) => run(process.execPath, [join(ROOT, 'bin', 'resabox-fleet.js'), 'serve', '--data-dir', tempDir(), '--http-host', '127.0.0.1', ...args], {});

/** The listening sockets of this machine, from /proc/net/tcp: "ADDR:PORT" in hex, as the kernel writes them. */
const listening = () =>
  readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[3] === '0A')
    .map((f) => f[1] as string);

describe('listener failures: one line naming the port and its setting, non-zero exit at once', () => {
  let busy: Server;
  let port = 0;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '0.0.0.0', r));
    port = (busy.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((r) => busy.close(r));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it.each([
    ['MQTT', ['--http-port', '0', '--mqtt-port', 'PORT'], '--mqtt-port or RESABOX_FLEET_MQTT_PORT'],
    ['HTTP API', ['--http-port', 'PORT', '--mqtt-port', '0'], '--http-port or RESABOX_FLEET_HTTP_PORT'],
    ['MQTT over WebSocket', ['--http-port', '0', '--mqtt-port', '0', '--ws-port', 'PORT'], '--ws-port or RESABOX_FLEET_WS_PORT'],
  ])('resabox-fleet serve with the %s port taken', async (what, args, setting) => {
    const r = await serve(args.map((a) => (a === 'PORT' ? String(port) : a)));
    expect(r.hung).toBe(false);
    expect(r.code).toBe(1);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(`error: LISTEN_FAILED: the ${what} port ${port} (${what === 'HTTP API' ? '127.0.0.1' : '0.0.0.0'}) cannot be opened: the port is already in use; choose another with ${setting}`);
    // Longer than run()'s 60 s: on a loaded machine the fleet's start alone took more than the default 30 s.
  }, 90_000);

  it('npm start (the demo) with its MQTT port taken: the same one line, naming the variable', async () => {
    const r = await run('npx', ['tsx', 'demo/main.ts'], { RESABOX_DEMO_DATA_DIR: tempDir(), RESABOX_FLEET_HTTP_PORT: '0', RESABOX_FLEET_MQTT_PORT: String(port) }, 120_000);
    expect(r.hung).toBe(false);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toEqual([`error: LISTEN_FAILED: the MQTT port ${port} (127.0.0.1) cannot be opened: the port is already in use; choose another with RESABOX_FLEET_MQTT_PORT`]);
    expect(r.err).not.toMatch(/\n\s+at /);
  }, 150_000);

  it('npm start with box pages ports that include the control port: refused at once with one coded line, nothing opened', async () => {
    const dataDir = tempDir();
    const r = await run(process.execPath, ['--import', 'tsx', 'demo/main.ts'], { RESABOX_DEMO_DATA_DIR: dataDir, RESABOX_FLEET_HTTP_PORT: '0', RESABOX_DEMO_PAGES_PORT: '8191', RESABOX_DEMO_CONTROL_PORT: '8192' }, 60_000);
    expect(r.hung).toBe(false);
    expect(r.code).toBe(64);
    expect(r.err.trim().split('\n')).toEqual(['error: DEMO_PORT_CLASH: the box pages take ports 8191-8193 (RESABOX_DEMO_PAGES_PORT and one port per box), which include RESABOX_DEMO_CONTROL_PORT 8192; choose ports apart']);
    expect(readdirSync(dataDir)).toEqual([]);
  }, 90_000);

  it('--mqtt-host 127.0.0.1 binds the broker to the loopback address only', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'resabox-fleet.js'), 'serve', '--data-dir', tempDir(), '--http-host', '127.0.0.1', '--http-port', '0', '--mqtt-port', '0', '--mqtt-host', '127.0.0.1'], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise((r) => child.once('exit', r));
    try {
      // Up to 120 s: under load the fleet's start took more than the default 30 s (as above).
      for (let i = 0; i < 1200 && !/embedded MQTT broker: .*"tcp":\d+/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
      const mqttPort = Number(/"tcp":(\d+)/.exec(out)?.[1]);
      const hexPort = mqttPort.toString(16).toUpperCase().padStart(4, '0');
      expect(listening()).toContain(`0100007F:${hexPort}`);
      expect(listening()).not.toContain(`00000000:${hexPort}`);
    } finally {
      child.kill('SIGINT');
      await exited;
    }
  }, 150_000);
});
