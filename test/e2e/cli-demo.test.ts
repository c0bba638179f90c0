import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ERRORS } from '../../cli/support/errors.ts';
import { API_ERRORS } from '../../fleet/api/errors.ts';
import { documentedCodes } from '../support/cli-catalog.ts';
import { resabox, type CliRun } from '../support/demo-journey.ts';
import { startDemo, waitAllBoxesOnline, type DemoProcess } from '../support/demo-process.ts';

/**
 * The support CLI on `npm start`: the real bin/resabox.js against the running demo, as
 * support uses it. One demo for the file.
 */
let demo: DemoProcess;
const ROOT = new URL('../../', import.meta.url).pathname;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${demo.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${demo.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A box enrolled (active) that never connects: the box support cannot reach. */
async function enrollSilentBox(boxId: string): Promise<void> {
  const created = await api('POST', '/v1/boxes', { id: boxId, clubId: 'club-lyon' });
  expect(created.status).toBe(201);
  const secret = randomBytes(24).toString('base64url');
  const code = (created.body.enrollment as { code: string }).code;
  const presented = await api('POST', '/v1/enrollments', { code, hardware: { model: 'rbx-demo' }, agentVersion: '0.1.0', pollSecretHash: createHash('sha256').update(secret).digest('hex') });
  expect(presented.status).toBe(202);
  const id = presented.body.enrollmentId as string;
  await api('POST', `/v1/enrollments/${id}/accept`, {});
  expect((await api('POST', `/v1/enrollments/${id}/poll`, { pollSecret: secret })).body.status).toBe('delivered');
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

beforeAll(async () => {
  demo = await startDemo();
  await waitAllBoxesOnline(demo, 3);
}, 240_000);
afterAll(async () => {
  await demo?.stop();
}, 60_000);

describe('resabox support CLI on the running demo', { timeout: 180_000 }, () => {
  let openedId = '';

  it('lane open, then commands show and commands follow the command to its end (exit 0)', async () => {
    const open = await resabox(demo, ['lane', 'open', 'lyon-01', 'entry', '--reason', 'CLI journey', '--ticket', 'SUP-16']);
    expect([open.code, open.stderr]).toEqual([0, '']);
    openedId = /command (cmd-[0-9a-f]{24})/.exec(open.stdout)?.[1] ?? '';
    expect(openedId).not.toBe('');
    const show = await resabox(demo, ['commands', 'show', openedId]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^status\s+succeeded$/m);
    expect(show.stdout).toMatch(/^arguments\s+lane id entry, direction in, reason CLI journey$/m);
    expect(show.stdout).toMatch(/^ticket\s+SUP-16$/m);
    expect(show.stdout).toMatch(/^result\s+lane entry opened, journaled as pass \d+$/m);
    const follow = await resabox(demo, ['commands', 'follow', openedId]);
    expect(follow.code).toBe(0);
    expect(follow.stdout).toContain(`${openedId} open-lane on lyon-01: succeeded`);
    const json = await resabox(demo, ['commands', 'show', openedId, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: openedId, status: 'succeeded', boxId: 'lyon-01' });
  });

  it('boxes show prints readable sections: identity, connection, release, devices as fields, open alerts, recent commands; --json for scripts', async () => {
    const r = await resabox(demo, ['boxes', 'show', 'lyon-01']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const titles = r.stdout.split('\n').filter((l) => /^[A-Z]/.test(l));
    expect(titles).toEqual(['Identity', 'Connection', 'Release', 'Devices', 'Open alerts', 'Recent commands (resabox commands show ID)']);
    expect(r.stdout).toMatch(/^ {2}online\s+yes$/m);
    expect(r.stdout).toMatch(/^ {2}running\s+0\.1\.0$/m);
    expect(r.stdout).toMatch(/^ {2}turnstile-entry \(turnstile\): online since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
    expect(r.stdout).toMatch(/^ {6}.*\bready yes\b/m);
    expect(r.stdout).toMatch(/^ {2}agent memory\s+\d+ MiB/m);
    // Readable fields, not the API's JSON: no braces, no epoch-ms numbers.
    expect(r.stdout).not.toMatch(/[{}]|\b1[0-9]{12}\b/);
    expect(r.stdout).toMatch(new RegExp(`^ {2}${openedId}\\s+open-lane\\s+succeeded\\s`, 'm'));
    const json = JSON.parse((await resabox(demo, ['boxes', 'show', 'lyon-01', '--json'])).stdout) as { id: string; devices: unknown[]; openAlerts: unknown[]; recentCommands: { id: string }[] };
    expect(json.id).toBe('lyon-01');
    expect(json.devices.length).toBeGreaterThan(0);
    expect(Array.isArray(json.openAlerts)).toBe(true);
    expect(json.recentCommands.map((c) => c.id)).toContain(openedId);
  });

  it('every failure prints a code that docs/cli.md lists with the exit code returned; docs/cli.md lists no code the CLI cannot produce', { timeout: 600_000 }, async () => {
    const silent = 'lyon-silent';
    await enrollSilentBox(silent);
    const sent = await api('POST', `/v1/boxes/${silent}/commands`, { kind: 'run-diagnostics', args: {}, ttlSeconds: 1 });
    expect(sent.status).toBe(202);
    const notApi = /totem (http:\/\/127\.0\.0\.1:\d+)\/totem/.exec(demo.output())?.[1] as string;
    const viewer = /Viewer token:\s+(\S+)/.exec(demo.output())?.[1] as string;
    const keys = /Release keys:\s+(\S+)/.exec(demo.output())?.[1] as string;
    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    const badConfig = join(demo.dataDir, 'bad-box.yaml');
    writeFileSync(badConfig, 'box: { id: 42 }\nlanes: nothing\n');
    const paths: [string, string[], string?][] = [
      ['unknown area', ['teleport']],
      ['area without a command', ['boxes']],
      ['unknown command', ['boxes', 'explode']],
      ['unknown option', ['boxes', 'list', '--colour']],
      ['missing argument', ['boxes', 'show']],
      ['bad option value', ['logs', 'fetch', 'lyon-01', '--lines', 'many']],
      ['bad --interval', ['commands', 'follow', 'cmd-000000000000000000000000', '--interval', 'never']],
      ['fleet unreachable', ['boxes', 'list', '--url', unreachable]],
      ['URL that is not the fleet API', ['boxes', 'list', '--url', notApi]],
      ['unknown token', ['boxes', 'list'], 'rbx_unknown-token-0000000000000000000000000000'],
      ['viewer opening a lane', ['lane', 'open', 'lyon-01', 'entry', '--reason', 'x'], viewer],
      ['unknown box', ['boxes', 'show', 'nowhere-01']],
      ['unknown command id', ['commands', 'show', 'cmd-000000000000000000000000']],
      ['malformed command id', ['commands', 'follow', 'not-a-command']],
      ['unknown rollout', ['rollout', 'show', 'ro-nothing']],
      ['no member of that name', ['member', 'show', '--name', 'Nobody Byname']],
      ['several members of that name', ['member', 'show', '--name', 'LYON']],
      ['command to a pending box', ['lane', 'open', 'pending-nobody', 'entry', '--reason', 'x']],
      ['command the box fails', ['lane', 'open', 'lyon-01', 'no-such-lane', '--reason', 'x']],
      ['box that does not answer', ['lane', 'open', silent, 'entry', '--reason', 'x', '--wait', '1']],
      ['command that expired', ['commands', 'follow', sent.body.id as string]],
      ['bundle without its options', ['bundle', 'timestamp']],
      ['bundle on a missing repository', ['bundle', 'timestamp', '--repo', join(demo.dataDir, 'none'), '--keys', join(demo.dataDir, 'none')]],
      ['config file failing the checks', ['config', 'set', 'lyon-01', '--file', badConfig, '--ticket', 'SUP-16']],
      ['release keys folder without keys', ['release', 'publish', '--keys', demo.dataDir, '--hardware', 'rbx-demo']],
      ['release of a file that is not a bundle', ['release', 'publish', '--keys', keys, '--bundle', join(ROOT, 'package.json')]],
    ];
    await api('POST', '/v1/boxes', { id: 'pending-nobody', clubId: 'club-lyon' });
    const documented = documentedCodes();
    const printed = new Map<string, string>();
    // Four CLI processes at a time: each starts node and tsx, seconds apiece on a loaded machine.
    const runs: CliRun[] = [];
    for (let i = 0; i < paths.length; i += 4) runs.push(...(await Promise.all(paths.slice(i, i + 4).map(([, args, token]) => resabox(demo, args, token)))));
    for (const [i, [what]] of paths.entries()) {
      const r = runs[i] as CliRun;
      const first = r.stderr.split('\n')[0] ?? '';
      const code = /^([A-Z][A-Z0-9_]+)(?: \(HTTP \d{3}\))?: /.exec(first)?.[1];
      expect(code, `${what}: stderr starts with a code: ${r.stderr}`).toBeDefined();
      expect(documented.get(code as string), `${what}: ${code} documented in docs/cli.md with exit ${r.code}`).toBe(r.code);
      printed.set(code as string, what);
    }
    // Every documented code is one the CLI can print: its own catalog, or the fleet's passed through.
    for (const [code, exit] of documented) {
      if (code in CLI_ERRORS) expect(CLI_ERRORS[code as keyof typeof CLI_ERRORS].exit, code).toBe(exit);
      else expect(API_ERRORS, `${code} is neither a CLI nor a fleet code`).toHaveProperty(code);
    }
    // Every code of the CLI's catalog is documented and printed above, or by the test named here.
    const elsewhere: Record<string, string> = {
      ROLLOUT_WATCH_TIMEOUT: 'test/integration/rollout-watch.test.ts',
      RELEASE_HARDWARE_UNKNOWN: 'test/integration/release-publish.test.ts',
      RELEASE_TARGETS_UNTRUSTED: 'test/integration/release-publish.test.ts',
      RELEASE_NO_REPOSITORY: 'test/integration/release-publish.test.ts',
      RELEASE_FLEET_NOT_SIGNING: 'test/integration/release-publish.test.ts',
      RELEASE_UPLOAD_CORRUPT: 'test/integration/release-publish.test.ts',
      CONFIG_REJECTED: 'test/integration/fleet-remote-config.test.ts',
      CONFIG_ROLLED_BACK: 'test/integration/fleet-remote-config.test.ts',
    };
    const unexercised = ['CLI_INTERNAL', 'COMMAND_REJECTED', 'CONFIG_NO_ANSWER'];
    for (const code of Object.keys(CLI_ERRORS)) {
      expect(documented.has(code), `${code} in docs/cli.md`).toBe(true);
      if (printed.has(code) || unexercised.includes(code)) continue;
      const file = elsewhere[code];
      expect(file, `${code} printed by a failure path`).toBeDefined();
      expect(readFileSync(join(ROOT, file as string), 'utf8')).toContain(code);
    }
  });
});
