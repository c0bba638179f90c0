import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPPORT_AREAS, runArea, type CliIo } from '../../cli/support/index.ts';
import { decode, encode, topicFor } from '../../protocol/mqtt/index.ts';
import { connectBox, enrollBox, startTestFleet, type TestFleet } from '../support/fleet-harness.ts';

const run = promisify(execFile);
const BOX = 'box-cli-1';

/**
 * The support CLI against a whole fleet started in-process (SQLite, embedded broker, the
 * API listening on an ephemeral port) with real API tokens. An mqtt.js client plays the
 * box and answers the commands the CLI sends. The commands run in-process (captured
 * output); the bin shim is run as a child for help, bad token and exit codes.
 */
describe('resabox support CLI', () => {
  let f: TestFleet;
  let url: string;
  let box: MqttClient;
  const received: { kind: string; args: unknown }[] = [];

  const cli = async (argv: string[], token: string | null = f.tokens.support) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env: { RESABOX_URL: url, ...(token ? { RESABOX_TOKEN: token } : {}) } };
    const [areaName, ...rest] = argv;
    const area = SUPPORT_AREAS.find((a) => a.name === areaName);
    if (!area) throw new Error(`no area ${areaName}`);
    const code = await runArea(area, rest, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  beforeAll(async () => {
    f = await startTestFleet();
    await f.svc.api.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(f.svc.api.server.address() as AddressInfo).port}`;
    await f.call('admin', 'PUT', '/v1/clubs/club-cli', { name: 'CLI club', timezone: 'Europe/Paris' });
    const creds = await enrollBox(f, BOX, 'club-cli');
    box = await connectBox(f.mqttUrl, BOX, creds.password);
    await box.subscribeAsync(topicFor('command', BOX), { qos: 1 });
    box.on('message', (topic, payload) => {
      const decoded = decode('command', payload);
      if (!decoded.ok) throw new Error(decoded.error.message);
      const m = decoded.value;
      received.push({ kind: m.kind, args: m.args });
      const refused = m.kind === 'open-lane' && m.args.laneId === 'no-such-lane';
      const result = {
        v: 1 as const,
        commandId: m.commandId,
        status: refused ? ('rejected' as const) : ('succeeded' as const),
        ts: f.clock.now(),
        message: refused ? 'no such lane' : `done: ${m.kind}`,
        output: m.kind === 'fetch-logs' ? { lines: ['{"msg":"box started"}', '{"msg":"decision"}'] } : undefined,
        error: refused ? { code: 'LANE_UNKNOWN', message: 'no lane "no-such-lane" on this box' } : null,
      };
      box.publish(topicFor('commandResult', BOX), Buffer.from(encode('commandResult', result)), { qos: 1 }, () => undefined);
    });
    await f.svc.fleet.store.alerts.raise({ boxId: BOX, rule: 'device-offline', subject: 'printer' }, { severity: 'warning', message: 'printer offline for 5 min', detail: {} }, f.clock.now());
  }, 60_000);

  afterAll(async () => {
    await box?.endAsync(true);
    await f?.close();
  });

  it('boxes list: a table by default with hardware model, running and previous release; the API answer with --json', async () => {
    // The box says what it runs in its state message (under the launcher: from the release manifest).
    await box.publishAsync(topicFor('state', BOX), Buffer.from(encode('state', { v: 1, state: 'online', reason: 'connected', agentVersion: '1.4.0', hardware: 'rbx-a1', previousVersion: '1.3.2', bootId: 'boot-1', ts: f.clock.now() })), { qos: 1, retain: true });
    let table = await cli(['boxes', 'list']);
    for (let i = 0; i < 200 && !table.out.includes('rbx-a1'); i++) {
      await new Promise((r) => setTimeout(r, 25));
      table = await cli(['boxes', 'list']);
    }
    expect(table.code).toBe(0);
    expect(table.out.split('\n')[0]).toMatch(/^BOX\s+CLUB\s+STATUS\s+ONLINE\s+HARDWARE\s+RELEASE\s+PREVIOUS/);
    expect(table.out).toMatch(new RegExp(`${BOX}\\s+club-cli\\s+active\\s+(yes|no)\\s+rbx-a1\\s+1\\.4\\.0\\s+1\\.3\\.2\\s`));
    const json = await cli(['boxes', 'list', '--json', '--club', 'club-cli']);
    expect(JSON.parse(json.out).boxes.map((b: { id: string }) => b.id)).toEqual([BOX]);
    const none = await cli(['boxes', 'list', '--club', 'elsewhere']);
    expect(none.out).toBe('(none)');
  });

  it('boxes show: identity, release, devices and the open alert; an unknown box gives the coded 404', async () => {
    const shown = await cli(['boxes', 'show', BOX]);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/box\s+box-cli-1/);
    expect(shown.out).toMatch(/hardware model\s+rbx-a1/);
    expect(shown.out).toMatch(/^ {2}running\s+1\.4\.0$/m);
    expect(shown.out).toMatch(/^ {2}rollback to\s+1\.3\.2$/m);
    expect(shown.out).toMatch(/^ {2}name\s+-$/m);
    expect(shown.out).toContain('\nDevices\n');
    expect(shown.out).toMatch(/^Open alerts\n {2}ID .*\n {2}\d+\s+warning\s+device-offline\s+printer\s/m);
    const missing = await cli(['boxes', 'show', 'box-nope']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^BOX_NOT_FOUND \(HTTP 404\): /);
  });

  it('alerts list: open alerts with their rule and message', async () => {
    const listed = await cli(['alerts', 'list', '--box', BOX]);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/box-cli-1\s+warning\s+open\s+device-offline\s+printer\s+.*printer offline for 5 min/);
    const resolved = await cli(['alerts', 'list', '--status', 'resolved', '--json']);
    expect(JSON.parse(resolved.out).alerts).toEqual([]);
  });

  it('lane open: sends open-lane, waits for the box answer, audits the ticket', async () => {
    const opened = await cli(['lane', 'open', BOX, 'entry', '--reason', 'badge reader down', '--direction', 'in', '--ticket', 'SUP-42']);
    expect(opened.err).toBe('');
    expect(opened.code).toBe(0);
    expect(opened.out).toMatch(/open-lane\) on box-cli-1: succeeded - done: open-lane/);
    expect(received).toContainEqual({ kind: 'open-lane', args: { laneId: 'entry', direction: 'in', reason: 'badge reader down' } });
    const audit = await f.call('admin', 'GET', '/v1/audit?ticket=SUP-42');
    expect(audit.body.entries.length).toBeGreaterThan(0);
  });

  it('lane open refused by the box: its coded error and exit 4', async () => {
    const refused = await cli(['lane', 'open', BOX, 'no-such-lane', '--reason', 'test']);
    expect(refused.code).toBe(4);
    expect(refused.err).toBe('COMMAND_REJECTED: LANE_UNKNOWN: no lane "no-such-lane" on this box');
  });

  it('lane open without --reason or with a bad direction: usage error, nothing sent', async () => {
    const before = received.length;
    expect((await cli(['lane', 'open', BOX, 'entry'])).err).toBe('CLI_USAGE: --reason is required');
    const bad = await cli(['lane', 'open', BOX, 'entry', '--reason', 'x', '--direction', 'up']);
    expect(bad.code).toBe(2);
    expect(received.length).toBe(before);
  });

  it('logs fetch: the lines the box returned', async () => {
    const logs = await cli(['logs', 'fetch', BOX, '--lines', '50']);
    expect(logs.code).toBe(0);
    expect(logs.out).toBe('{"msg":"box started"}\n{"msg":"decision"}');
    expect(received).toContainEqual({ kind: 'fetch-logs', args: { lines: 50 } });
    expect((await cli(['logs', 'fetch', BOX, '--lines', '0'])).code).toBe(2);
  });

  it('rollout create / pause / resume / list / show against the rollout routes', async () => {
    const uploaded = await f.call('support', 'PUT', '/v1/updates/artifacts/resabox-1.2.1-rbx-a1.tar.gz', randomBytes(2048), { 'content-type': 'application/octet-stream' });
    expect(uploaded.status).toBe(201);
    const created = await cli(['rollout', 'create', '--json', '--name', 'fix 1.2.1', '--version', '1.2.1', '--artifact', 'resabox-1.2.1-rbx-a1.tar.gz', '--hardware', 'rbx-a1', '--club', 'club-cli', '--waves', '50,100', '--start', '--ticket', 'SUP-77']);
    expect(created.err).toBe('');
    expect(created.code).toBe(0);
    const rollout = JSON.parse(created.out);
    expect(rollout).toMatchObject({ name: 'fix 1.2.1', version: '1.2.1', state: 'running', percents: [50, 100], ticket: 'SUP-77', target: { clubs: ['club-cli'] } });
    const paused = await cli(['rollout', 'pause', rollout.id]);
    expect(paused.code).toBe(0);
    expect(paused.out).toMatch(new RegExp(`${rollout.id}\\s+fix 1\\.2\\.1\\s+1\\.2\\.1\\s+paused`));
    const again = await cli(['rollout', 'pause', rollout.id]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^[A-Z_]+ \(HTTP 409\): /);
    expect((await cli(['rollout', 'resume', rollout.id])).out).toMatch(/\srunning\s/);
    const listed = await cli(['rollout', 'list']);
    expect(listed.out.split('\n')[0]).toMatch(/^ROLLOUT\s+NAME\s+VERSION\s+STATE/);
    expect(listed.out).toContain(rollout.id);
    expect((await cli(['rollout', 'show', rollout.id])).out).toMatch(/^target: .*"clubs":\["club-cli"\]/m);
    expect((await cli(['rollout', 'create', '--name', 'x', '--version', '1.2.1', '--artifact', 'a', '--hardware', 'h'])).err).toBe('CLI_USAGE: a target is required: --box, --club or --tag');
    expect((await cli(['rollout', 'create', '--name', 'x', '--version', '1.2.1', '--artifact', 'a', '--hardware', 'h', '--club', 'c', '--waves', '50,90'])).code).toBe(2);
  });

  it('a viewer token may read but not open a lane: API_FORBIDDEN', async () => {
    expect((await cli(['boxes', 'list'], f.tokens.viewer)).code).toBe(0);
    const forbidden = await cli(['lane', 'open', BOX, 'entry', '--reason', 'x'], f.tokens.viewer);
    expect(forbidden.code).toBe(1);
    expect(forbidden.err).toMatch(/^API_FORBIDDEN \(HTTP 403\): /);
  });

  it('no token or no URL: usage error naming the variable', async () => {
    const noToken = await cli(['boxes', 'list'], null);
    expect(noToken.code).toBe(2);
    expect(noToken.err).toContain('RESABOX_TOKEN');
  });

  it('an unreachable fleet: CLI_FLEET_UNREACHABLE, exit 3', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const out: string[] = [];
    const code = await runArea(SUPPORT_AREAS[0]!, ['list', '--url', `http://127.0.0.1:${port}`, '--token', 'rbx_x'], { out: (t) => out.push(t), err: (t) => out.push(t), env: {} });
    expect(code).toBe(3);
    expect(out.join('\n')).toBe(`CLI_FLEET_UNREACHABLE: cannot reach the fleet at http://127.0.0.1:${port}: ECONNREFUSED`);
  });

  it('--help on every area and command (exit 0, usage line and options)', async () => {
    for (const area of SUPPORT_AREAS) {
      const a = await cli([area.name, '--help']);
      expect(a.code).toBe(0);
      expect(a.out).toContain(`usage: resabox ${area.name} <command>`);
      for (const c of area.commands) {
        const h = await cli([area.name, c.name, '--help']);
        expect(h.code, `${area.name} ${c.name}`).toBe(0);
        expect(h.out).toContain(`usage: resabox ${area.name} ${c.name}`);
        expect(h.out).toContain('--token TOKEN');
      }
    }
  });

  it('the bin shim: top-level help lists the areas; a bad token is a clear error with exit 1', async () => {
    const help = await run(process.execPath, ['bin/resabox.js', '--help']);
    for (const area of SUPPORT_AREAS) expect(help.stdout).toContain(area.name);
    const bad = await run(process.execPath, ['bin/resabox.js', 'boxes', 'list', '--url', url, '--token', 'rbx_not-a-real-token']).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^API_UNAUTHENTICATED \(HTTP 401\): .*\n {2}\(check RESABOX_TOKEN/);
  }, 60_000);
});
