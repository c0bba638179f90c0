import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { SUPPORT_AREAS, runArea, type CliIo } from '../../cli/support/index.ts';
import { decode, encode, topicFor, type ConfigReportedMessage } from '../../protocol/mqtt/index.ts';
import { connectBox, enrollBox, eventually, startTestFleet, type TestFleet } from '../support/fleet-harness.ts';

const BOX = 'club-lyon-01';
const EXAMPLE = new URL('../../examples/box.example.yaml', import.meta.url);
type Devices = { id: string; pulseMs?: number; address?: number }[];

/**
 * Remote configuration, fleet side, against a whole fleet (SQLite, embedded broker, API on
 * an ephemeral port): the API's refusals with their codes, the retained config/desired a
 * box receives, its config/reported shown against the desired one, the audit with its
 * ticket, and `resabox config set` end to end (checked as --check does, sent, waited for,
 * exit code by the box's answer). An mqtt.js client plays the box: it applies what it gets,
 * except a turnstile at Modbus address 99, which it rolls back as the agent does.
 */
describe('remote configuration through the fleet API and resabox config', () => {
  let f: TestFleet;
  let url: string;
  let box: MqttClient;
  let dir: string;
  let example: Record<string, unknown>;
  const desired: { version: number; ticket: string | null | undefined }[] = [];

  const cli = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env: { RESABOX_URL: url, RESABOX_TOKEN: f.tokens.technician } };
    const code = await runArea(SUPPORT_AREAS.find((a) => a.name === 'config') as (typeof SUPPORT_AREAS)[number], argv, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const withDevices = (edit: (d: Devices) => void) => {
    const c = structuredClone(example);
    edit(c.devices as Devices);
    return c;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'resabox-remote-config-'));
    example = parse(await readFile(EXAMPLE, 'utf8')) as Record<string, unknown>;
    f = await startTestFleet();
    await f.svc.api.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(f.svc.api.server.address() as AddressInfo).port}`;
    await f.call('admin', 'PUT', '/v1/clubs/club-lyon', { name: 'Lyon', timezone: 'Europe/Paris' });
    box = await connectBox(f.mqttUrl, BOX, (await enrollBox(f, BOX, 'club-lyon')).password);
    let running = { version: 0, config: example };
    const report = (m: ConfigReportedMessage) => box.publish(topicFor('configReported', BOX), Buffer.from(encode('configReported', m)), { qos: 1, retain: true }, () => undefined);
    box.on('message', (topic, payload) => {
      const d = decode('configDesired', payload);
      if (topic !== topicFor('configDesired', BOX) || !d.ok) return;
      desired.push({ version: d.value.version, ticket: d.value.ticket });
      const down = (d.value.config.devices as Devices).find((x) => x.address === 99);
      // The agent refuses a change of a field it cannot apply remotely (agent/remote-config/changes.ts).
      if (d.value.config.dataDir !== running.config.dataDir) report({ v: 1, version: d.value.version, appliedAt: f.clock.now(), status: 'rejected', errors: [], error: { code: 'CONFIG_REMOTE_LOCKED', message: 'dataDir' }, runningVersion: running.version, config: running.config });
      else if (down) report({ v: 1, version: d.value.version, appliedAt: f.clock.now(), status: 'rolled-back', errors: [], error: { code: 'CONFIG_REMOTE_DEVICE_DOWN', message: `${down.id} offline MODBUS_TIMEOUT` }, runningVersion: running.version, config: running.config });
      else {
        running = { version: d.value.version, config: d.value.config };
        report({ v: 1, version: d.value.version, appliedAt: f.clock.now(), status: 'applied', errors: [], runningVersion: running.version, config: running.config, restarted: ['agent'] });
      }
    });
    await box.subscribeAsync(topicFor('configDesired', BOX), { qos: 1 });
    report({ v: 1, version: 0, appliedAt: f.clock.now(), status: 'applied', errors: [], runningVersion: 0, config: example });
    await eventually(async () => ((await f.call('viewer', 'GET', `/v1/boxes/${BOX}/config`)).body.reported ? true : undefined), 'the first report');
  }, 60_000);

  afterAll(async () => {
    await box?.endAsync(true);
    await f?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a change without a ticket, for another box, of the wrong shape, by a viewer, or for an unknown box, with coded errors', async () => {
    const put = (role: 'viewer' | 'technician', boxId: string, body: unknown) => f.call(role, 'PUT', `/v1/boxes/${boxId}/config`, body);
    const refusals = [
      await put('technician', BOX, { config: example }),
      await put('technician', BOX, { config: { ...example, box: { id: 'club-nantes-01' } }, ticket: 'SUP-1' }),
      await put('technician', BOX, { config: 'devices: []', ticket: 'SUP-1' }),
      await put('viewer', BOX, { config: example, ticket: 'SUP-1' }),
      await put('technician', 'club-nowhere', { config: example, ticket: 'SUP-1' }),
    ];
    expect(refusals.map((r) => [r.status, r.body.error.code])).toEqual([
      [400, 'CONFIG_TICKET_REQUIRED'],
      [400, 'CONFIG_BOX_MISMATCH'],
      [400, 'API_VALIDATION_FAILED'],
      [403, 'API_FORBIDDEN'],
      [404, 'BOX_NOT_FOUND'],
    ]);
    const view = (await f.call('viewer', 'GET', `/v1/boxes/${BOX}/config`)).body;
    expect(view).toMatchObject({ desired: null, inSync: true, diff: [] });
    expect(desired).toEqual([]);
  });

  it('resabox config set: checked as --check does, sent retained with its ticket, applied by the box (exit 0), audited', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, stringify(withDevices((d) => void (d[0] = { ...d[0], id: '' } as Devices[number]))));
    const refused = await cli(['set', BOX, '--file', bad, '--ticket', 'SUP-10']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^CONFIG_REMOTE_INVALID: .*bad\.yaml fails the checks of resabox-agent --check/);
    const good = join(dir, 'good.yaml');
    await writeFile(good, stringify(withDevices((d) => void ((d.find((x) => x.id === 'tripod-entry') as Devices[number]).pulseMs = 350))));
    const noTicket = await cli(['set', BOX, '--file', good]);
    expect(noTicket.code).toBe(2);
    const set = await cli(['set', BOX, '--file', good, '--ticket', 'SUP-11', '--wait', '30']);
    expect(set.err).toBe('');
    expect(set.out).toContain('sent version 1 to club-lyon-01 (1 change(s)): devices[tripod-entry].pulseMs');
    expect(set.out).toContain('club-lyon-01: version 1 applied');
    expect(set.code).toBe(0);
    expect(desired).toEqual([{ version: 1, ticket: 'SUP-11' }]);
    const view = (await f.call('viewer', 'GET', `/v1/boxes/${BOX}/config`)).body;
    expect(view).toMatchObject({ desired: { version: 1, ticket: 'SUP-11', setBy: expect.stringMatching(/^technician-user#/) }, reported: { status: 'applied', runningVersion: 1 }, inSync: true, diff: [] });
    const audit = (await f.call('admin', 'GET', '/v1/audit?action=config.set&limit=10')).body.entries;
    // Every attempt is audited, the refused ones too; the change itself with its version and ticket.
    const entries = audit.map((e: { target: string; ticket: string | null; detail: { status: number; version?: number } }) => [e.target, e.ticket, e.detail.status, e.detail.version ?? null]);
    expect(entries[0]).toEqual([BOX, 'SUP-11', 202, 1]);
    expect(entries.slice(1).map((e: unknown[]) => e[2]).sort()).toEqual([400, 400, 400, 403, 404]);
  });

  it('a configuration the box rolls back: exit 4 with its reason, and the diff shows what did not take', async () => {
    const down = join(dir, 'down.yaml');
    await writeFile(down, stringify(withDevices((d) => void ((d.find((x) => x.id === 'tripod-exit') as Devices[number]).address = 99))));
    const set = await cli(['set', BOX, '--file', down, '--ticket', 'SUP-12', '--wait', '30']);
    expect(set.out).toContain('club-lyon-01: version 2 rolled-back - CONFIG_REMOTE_DEVICE_DOWN: tripod-exit offline MODBUS_TIMEOUT');
    expect(set.err).toBe('CONFIG_ROLLED_BACK: club-lyon-01 rolled back version 2: CONFIG_REMOTE_DEVICE_DOWN: tripod-exit offline MODBUS_TIMEOUT; it runs version 1');
    expect(set.code).toBe(4);
    const diff = await cli(['diff', BOX]);
    expect(diff.code).toBe(0);
    expect(diff.out).toMatch(/NOT in sync/);
    expect(diff.out).toMatch(/^devices\[tripod-exit\]\.address\s+99\s+1$/m);
  });

  it('a configuration the box refuses: exit 4, a CONFIG_REJECTED line with its reason, and --json keeps stdout to the data', async () => {
    const moved = join(dir, 'moved.yaml');
    await writeFile(moved, stringify({ ...example, dataDir: '/var/lib/resabox/elsewhere' }));
    const set = await cli(['set', BOX, '--file', moved, '--ticket', 'SUP-13', '--wait', '30', '--json']);
    expect(set.err).toBe('CONFIG_REJECTED: club-lyon-01 rejected version 3: CONFIG_REMOTE_LOCKED: dataDir; it runs version 1');
    expect(JSON.parse(set.out)).toMatchObject({ reported: { version: 3, status: 'rejected', runningVersion: 1 } });
    expect(set.code).toBe(4);
  });
});
