import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { Updater } from 'tuf-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReleaseCommand } from '../../cli/release/command.ts';
import { generateSigningKey, saveKey } from '../../fleet/rollouts/tuf-keys.ts';
import { initRepository } from '../../fleet/rollouts/tuf-repository.ts';
import { encode, topicFor } from '../../protocol/mqtt/index.ts';
import { documentedCodes } from '../support/cli-catalog.ts';
import { connectBox, enrollBox, startTestFleet, type TestFleet } from '../support/fleet-harness.ts';
import { makeBundle, makeKeys } from '../support/update-fixtures.ts';

/** `resabox release ...` in this process, against the fleet at `url`: exit code, stdout, stderr and progress lines. */
async function publishCli(argv: string[], url: string, token: string, tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  const progress: string[] = [];
  const code = await runReleaseCommand(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env: { RESABOX_URL: url, RESABOX_TOKEN: token } }, { isTTY: tty, write: (t) => void progress.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n'), progress };
}

/** Checks that a failure exited with the code docs/cli.md gives its catalog code, and that stderr starts with it. */
function expectCatalogFailure(r: { code: number; err: string }, code: string): void {
  expect(r.err.startsWith(`${code}: `), r.err).toBe(true);
  expect(documentedCodes().get(code), `${code} in docs/cli.md`).toBe(r.code);
  expect(r.code).not.toBe(0);
}

/**
 * `resabox release publish` against a whole fleet holding the online keys (snapshot,
 * timestamp) in a folder, as `resabox-fleet serve --repository-keys` does; the offline
 * root and targets keys are in another folder, given to the CLI with --keys. A box
 * (mqtt.js) reports its hardware model in its state message.
 */
describe('resabox release publish', () => {
  let f: TestFleet;
  let base: string;
  let url: string;
  let box: MqttClient;
  let keysDir: string;
  let bundle: string;

  const cli = (argv: string[], tty = false, fleetUrl = url) => publishCli(argv, fleetUrl, f.tokens.support, tty);

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'resabox-publish-'));
    keysDir = join(base, 'offline-keys');
    const fleetKeys = join(base, 'fleet-keys');
    const keys = makeKeys();
    await saveKey(keysDir, 'root-1', keys.root[0] as never);
    await saveKey(keysDir, 'targets', keys.targets[0] as never);
    await saveKey(fleetKeys, 'snapshot', keys.snapshot[0] as never);
    await saveKey(fleetKeys, 'timestamp', keys.timestamp[0] as never);
    f = await startTestFleet({ repositoryKeysDir: fleetKeys });
    await initRepository({ repo: f.svc.api.ctx.repository.root, keys, now: Date.now(), rootThreshold: 1 });
    await f.svc.api.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(f.svc.api.server.address() as AddressInfo).port}`;
    await f.call('admin', 'PUT', '/v1/clubs/club-pub', { name: 'Publish club', timezone: 'Europe/Paris' });
    const creds = await enrollBox(f, 'box-pub-1', 'club-pub');
    box = await connectBox(f.mqttUrl, 'box-pub-1', creds.password);
    await box.publishAsync(topicFor('state', 'box-pub-1'), Buffer.from(encode('state', { v: 1, state: 'online', reason: 'connected', agentVersion: '1.0.0', hardware: 'rbx-a1', previousVersion: null, bootId: 'boot-1', ts: Date.now() })), { qos: 1, retain: true });
    for (let i = 0; i < 400 && (await f.call('viewer', 'GET', '/v1/updates/hardware')).body.models.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    // 200 KiB of noise: several chunks at --chunk-kib 48.
    bundle = await makeBundle(base, { version: '1.1.0', files: { 'padding.bin': randomBytes(200 * 1024) } });
  }, 60_000);

  afterAll(async () => {
    await box?.endAsync(true);
    await f?.close();
    await rm(base, { recursive: true, force: true });
  });

  it('uploads the bundle in chunks, signs targets.json offline, and the fleet signs snapshot and timestamp a box verifies', async () => {
    const r = await cli(['publish', '--keys', keysDir, '--bundle', bundle, '--chunk-kib', '48', '--ticket', 'SUP-9']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('hardware model rbx-a1: 1 enrolled box(es)');
    expect(r.out).toMatch(/published resabox 1\.1\.0 for rbx-a1/);
    expect(r.out).toMatch(/signed\s+targets\.json v2 by key [0-9a-f]{16}/);
    // Not a terminal: plain lines, one per 10 %, never a carriage return.
    expect(r.progress.length).toBeGreaterThanOrEqual(2);
    expect(r.progress.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
    expect(r.progress.at(-1)).toMatch(/uploading .*100% .*\/s/);
    const { releases, targetsKeyIds } = (await f.call('viewer', 'GET', '/v1/updates/releases')).body;
    expect(releases).toEqual([expect.objectContaining({ targetName: 'resabox-1.1.0-rbx-a1.tar.gz', version: '1.1.0', hardware: 'rbx-a1', uploadedBy: expect.stringMatching(/^support-user#/), ticket: 'SUP-9', signedBy: targetsKeyIds })]);
    // A TUF client nobody here wrote, trusting root v1, finds the release.
    const trusted = join(base, 'box-tuf');
    await mkdir(trusted);
    await copyFile(join(f.svc.api.ctx.repository.root, 'metadata', '1.root.json'), join(trusted, 'root.json'));
    const client = new Updater({ metadataDir: trusted, metadataBaseUrl: `${url}/repository/metadata/`, targetBaseUrl: `${url}/repository/targets/` });
    await client.refresh();
    const info = await client.getTargetInfo('resabox-1.1.0-rbx-a1.tar.gz');
    expect(info?.hashes.sha256).toBe(createHash('sha256').update(await readFile(bundle)).digest('hex'));
    const audit = (await f.call('admin', 'GET', '/v1/audit?limit=50')).body.entries.map((e: { action: string }) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['artifact.upload-start', 'artifact.upload', 'repository.metadata']));
  });

  it('resumes an interrupted upload where the fleet stopped', async () => {
    const other = await makeBundle(base, { version: '1.2.0', files: { 'padding.bin': randomBytes(150 * 1024) } });
    const bytes = await readFile(other);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    // A first run died after 64 KiB reached the fleet.
    const started = await f.call('support', 'POST', '/v1/updates/uploads', { name: 'resabox-1.2.0-rbx-a1.tar.gz', length: bytes.length, sha256 });
    const part = await f.call('support', 'PUT', `/v1/updates/uploads/${started.body.uploadId}`, bytes.subarray(0, 65536), { 'content-type': 'application/octet-stream', 'content-range': `bytes 0-65535/${bytes.length}` });
    expect(part.body.received).toBe(65536);
    const wrong = await f.call('support', 'PUT', `/v1/updates/uploads/${started.body.uploadId}`, bytes.subarray(0, 10), { 'content-type': 'application/octet-stream', 'content-range': `bytes 0-9/${bytes.length}` });
    expect(wrong.status).toBe(409);
    expect(wrong.body.error).toMatchObject({ code: 'UPLOAD_OFFSET_MISMATCH', detail: { received: 65536 } });
    const r = await cli(['publish', '--keys', keysDir, '--bundle', other, '--json']);
    expect(r.code).toBe(0);
    expect(r.progress).toEqual([]);
    const published = JSON.parse(r.out) as { resumedAt: number; sha256: string; targetsVersion: number };
    expect(published).toMatchObject({ resumedAt: 65536, sha256, targetsVersion: 3 });
    expect(await readFile(join(f.svc.api.ctx.repository.root, 'targets', 'resabox-1.2.0-rbx-a1.tar.gz'))).toEqual(bytes);
  });

  it('refuses a hardware model no enrolled box has unless --force, and a targets key that did not sign the repository', async () => {
    const exotic = await makeBundle(base, { version: '1.3.0', hardware: 'rbx-z9' });
    const refused = await cli(['publish', '--keys', keysDir, '--bundle', exotic]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^RELEASE_HARDWARE_UNKNOWN: no enrolled box has hardware model rbx-z9; the boxes have: rbx-a1 \(1\)/);
    expect((await f.call('viewer', 'GET', '/v1/updates/releases')).body.releases.map((x: { version: string }) => x.version)).not.toContain('1.3.0');
    expect((await cli(['publish', '--keys', keysDir, '--bundle', exotic, '--force'])).code).toBe(0);
    const strangers = join(base, 'stranger-keys');
    await saveKey(strangers, 'targets', generateSigningKey('targets'));
    const untrusted = await cli(['publish', '--keys', strangers, '--bundle', await makeBundle(base, { version: '1.4.0' })]);
    expect(untrusted.code).toBe(1);
    expect(untrusted.err).toMatch(/^RELEASE_TARGETS_UNTRUSTED: /);
    const usage = await cli(['publish', '--bundle', exotic]);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('--keys DIR');
  });

  it('refuses a fleet answer that names other bytes than the bundle: RELEASE_UPLOAD_CORRUPT', async () => {
    // Between the CLI and the fleet, a proxy that answers the upload's completion with another
    // hash (a broken proxy or fleet): the CLI must not sign a release for bytes it did not send.
    const proxy: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length', 'transfer-encoding'].includes(k))) as Record<string, string>;
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
        void fetch(`${url}${req.url}`, { method: req.method as string, headers, ...(body ? { body } : {}) }).then(async (up) => {
          let answer = Buffer.from(await up.arrayBuffer());
          if (req.url?.endsWith('/complete') && up.ok) answer = Buffer.from(JSON.stringify({ ...(JSON.parse(answer.toString()) as object), sha256: '0'.repeat(64) }));
          res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' }).end(answer);
        });
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const corrupt = await cli(['publish', '--keys', keysDir, '--bundle', await makeBundle(base, { version: '1.6.0' })], false, `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
      expectCatalogFailure(corrupt, 'RELEASE_UPLOAD_CORRUPT');
      expect(corrupt.err).toContain(`the fleet stored sha256 ${'0'.repeat(64)}`);
    } finally {
      await new Promise((r) => proxy.close(r));
    }
    // Nothing was signed for it.
    expect((await f.call('viewer', 'GET', '/v1/updates/releases')).body.releases.map((x: { version: string }) => x.version)).not.toContain('1.6.0');
  });

  it('keeps snapshot and timestamp to the fleet once it holds their keys', async () => {
    const put = await f.call('support', 'PUT', '/v1/updates/metadata/timestamp.json', Buffer.from('{}'), { 'content-type': 'application/octet-stream' });
    expect(put.status).toBe(409);
    expect(put.body.error.code).toBe('REPOSITORY_ONLINE_ROLE');
  });

  it('draws a bar on a terminal: one line redrawn with bytes, rate and time left', async () => {
    const r = await cli(['publish', '--keys', keysDir, '--bundle', await makeBundle(base, { version: '1.5.0', files: { 'padding.bin': randomBytes(100 * 1024) } }), '--chunk-kib', '16'], true);
    expect(r.code).toBe(0);
    expect(r.progress.filter((l) => l.startsWith('\r')).length).toBeGreaterThanOrEqual(1);
    expect(r.progress.join('')).toMatch(/uploading \[#+\] 100% .* (B|KiB|MiB)\/s {2}ETA/);
  });
});

/**
 * `resabox release publish` against a fleet that cannot take a release yet: first with no
 * update repository at all, then with one but without the online keys (started without
 * --repository-keys). `--force`: no box is enrolled here.
 */
describe('resabox release publish on a fleet not ready to sign', () => {
  let f: TestFleet;
  let base: string;
  let url: string;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'resabox-publish-unready-'));
    f = await startTestFleet();
    await f.svc.api.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(f.svc.api.server.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    await f?.close();
    await rm(base, { recursive: true, force: true });
  });

  it('without a repository: RELEASE_NO_REPOSITORY; with one but no online keys: RELEASE_FLEET_NOT_SIGNING', async () => {
    const keys = makeKeys();
    const keysDir = join(base, 'offline-keys');
    await saveKey(keysDir, 'root-1', keys.root[0] as never);
    await saveKey(keysDir, 'targets', keys.targets[0] as never);
    const noRepository = await publishCli(['publish', '--keys', keysDir, '--bundle', await makeBundle(base, { version: '2.0.0' }), '--force'], url, f.tokens.support);
    expectCatalogFailure(noRepository, 'RELEASE_NO_REPOSITORY');
    await initRepository({ repo: f.svc.api.ctx.repository.root, keys, now: Date.now(), rootThreshold: 1 });
    const notSigning = await publishCli(['publish', '--keys', keysDir, '--bundle', await makeBundle(base, { version: '2.1.0' }), '--force'], url, f.tokens.support);
    expectCatalogFailure(notSigning, 'RELEASE_FLEET_NOT_SIGNING');
    expect(notSigning.err).toContain('--repository-keys');
  });
});
