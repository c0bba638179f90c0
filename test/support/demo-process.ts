import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface DemoProcess {
  /** Dashboard base URL, e.g. http://127.0.0.1:41234 (the dashboard is at /ui/). */
  readonly baseUrl: string;
  readonly adminToken: string;
  readonly dataDir: string;
  readonly startedAt: number;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Ctrl-C (SIGINT to the whole process group), waits for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** True while any process of the demo's process group is alive (agents, socat, tsx). */
  groupAlive(): boolean;
}

/** A call to the running demo's control surface (demo/control.ts), whose address the banner prints. */
export async function demoControl(demo: DemoProcess, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const base = /Demo control:\s+(\S+)/.exec(demo.output())?.[1];
  if (!base) throw new Error(`the demo printed no control address:\n${demo.output()}`);
  const res = await fetch(`${base}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`demo control ${method} ${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export interface DemoStartOptions {
  /** `npm start` (as a user runs it) or the entry file under node with the tsx loader directly. */
  readonly via?: 'npm' | 'tsx';
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
}

/**
 * Starts the demo as a user would, on ephemeral ports and a temp data folder, in its own
 * process group (so that stop() can check nothing is left behind), and waits for the lines
 * that print the dashboard address and the admin token.
 */
export async function startDemo(o: DemoStartOptions = {}): Promise<DemoProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'resabox-demo-'));
  const startedAt = Date.now();
  const [cmd, args] = o.via === 'tsx' ? [process.execPath, ['--import', 'tsx', 'demo/main.ts']] : ['npm', ['start', '--silent']];
  const child: ChildProcess = spawn(cmd, args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RESABOX_DEMO_DATA_DIR: dataDir, RESABOX_FLEET_HTTP_PORT: '0', RESABOX_FLEET_MQTT_PORT: '0', ...o.env },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  // 'close', not 'exit': the output pipes are shared with the demo's own children (launchers,
  // agents), and what they printed last must have been read before stop() returns.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const pgid = child.pid as number;
  const groupAlive = (): boolean => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const stop = async (): Promise<number | null> => {
    if (groupAlive()) process.kill(-pgid, 'SIGINT');
    const killer = setTimeout(() => groupAlive() && process.kill(-pgid, 'SIGKILL'), 30_000);
    const code = await exited;
    // The group's last members (agents, socat) may exit just after the leader.
    for (let i = 0; i < 100 && groupAlive(); i++) await new Promise((r) => setTimeout(r, 100));
    clearTimeout(killer);
    return code;
  };
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  for (;;) {
    const url = /Dashboard:\s+(\S+)\/ui\//.exec(out)?.[1];
    const token = /Admin token:\s+(\S+)/.exec(out)?.[1];
    if (url && token) {
      return {
        baseUrl: url,
        adminToken: token,
        dataDir,
        startedAt,
        output: () => out,
        stop: async () => {
          const code = await stop();
          rmSync(dataDir, { recursive: true, force: true });
          return code;
        },
        groupAlive,
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`the demo did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** GET on the fleet API with the demo's admin token. */
export async function demoApi<T = Record<string, unknown>>(demo: DemoProcess, path: string): Promise<T> {
  const res = await fetch(`${demo.baseUrl}${path}`, { headers: { authorization: `Bearer ${demo.adminToken}` } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Polls until every box of the demo reports online; returns the seconds since the start. */
export async function waitAllBoxesOnline(demo: DemoProcess, expected: number, timeoutMs = 180_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { boxes } = await demoApi<{ boxes: { online: boolean }[] }>(demo, '/v1/boxes?status=active');
    if (boxes.length >= expected && boxes.every((b) => b.online)) return (Date.now() - demo.startedAt) / 1000;
    if (Date.now() > deadline) throw new Error(`boxes not all online after ${timeoutMs} ms: ${JSON.stringify(boxes)}\n${demo.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
