import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../fleet/cli/main.ts';
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
    const dir = tempDir();
    const bin = join(process.cwd(), 'bin', 'resabox-fleet.js');
    const child = spawn(process.execPath, [bin, 'serve', '--data-dir', dir, '--http-host', '127.0.0.1', '--http-port', '0', '--mqtt-port', '0'], { env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const check = () => {
          const m = /fleet API: (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (m) resolve(m[1] as string);
        };
        child.stdout.on('data', check);
        void exited.then((code) => reject(new Error(`serve exited with ${code}: ${output}`)));
      });
      const doc = await fetch(`${url}/openapi.json`);
      expect(doc.status).toBe(200);
      expect(((await doc.json()) as { info: { title: string } }).info.title).toBe('RESABOX fleet API');
      expect((await fetch(`${url}/v1/boxes`)).status).toBe(401);
      expect(output).toMatch(/embedded MQTT broker: \{"tcp":\d+\}/);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
