import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveTarget } from '../../agent/update/trust.ts';
import { startRepoServer, type RepoServer } from '../../test/support/repo-server.ts';
import { REPO_ROOT } from './archive.ts';
import { runBundleCommand } from './command.ts';

let base: string;
let server: RepoServer;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'resabox-cli-'));
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await server?.close();
  await rm(base, { recursive: true, force: true });
});

describe('resabox bundle', () => {
  it('prints its help through the bin shim', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'bin', 'resabox.js'), 'bundle', '--help']);
    expect(stdout).toContain('keys init');
    expect(stdout).toContain('root rotate');
  });

  it('keys init, create, sign, timestamp, root rotate: a box follows every step', async () => {
    const repo = join(base, 'repo');
    const keys = join(base, 'keys');
    expect(await runBundleCommand(['keys', 'init', '--repo', repo, '--keys', keys, '--root-keys', '3', '--root-threshold', '2'])).toBe(0);
    expect(((await stat(join(keys, 'root-1.key.json'))).mode & 0o777).toString(8)).toBe('600');
    const root = JSON.parse(await readFile(join(repo, 'metadata', 'root.json'), 'utf8')) as { signed: { roles: { root: { threshold: number; keyids: string[] } } }; signatures: unknown[] };
    expect(root.signed.roles.root).toMatchObject({ threshold: 2 });
    expect(root.signed.roles.root.keyids).toHaveLength(3);
    expect(root.signatures).toHaveLength(3);

    const src = join(base, 'src');
    await mkdir(src);
    await writeFile(join(src, 'agent.mjs'), 'console.log(1)\n');
    const bundle = join(base, 'b.tar.gz');
    const said = vi.mocked(console.log);
    said.mockClear();
    expect(await runBundleCommand(['create', '--source', src, '--out', bundle, '--version', '2.0.0', '--hardware', 'rbx-a1', '--min-version', '1.0.0', '--entry', 'agent.mjs'])).toBe(0);
    // Not silent: what it packs, then what it wrote.
    expect(said.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/^packing .* into .*b\.tar\.gz \(gzip\)$/), expect.stringMatching(/^wrote .*: resabox-agent 2\.0\.0 for rbx-a1/)]);
    expect(await runBundleCommand(['sign', '--repo', repo, '--keys', keys, '--bundle', bundle])).toBe(0);
    expect(await runBundleCommand(['timestamp', '--repo', repo, '--keys', keys])).toBe(0);

    server = await startRepoServer(repo);
    const trust = { repositoryUrl: server.url, metadataDir: join(base, 'box'), trustAnchor: join(repo, 'metadata', '1.root.json') };
    const target = await resolveTarget(trust, 'resabox-2.0.0-rbx-a1.tar.gz');
    expect(target.custom).toEqual({ version: '2.0.0', hardware: 'rbx-a1', channel: 'stable', minVersion: '1.0.0' });
    expect(Object.keys(target.hashes).sort()).toEqual(['sha256', 'sha512']);

    expect(await runBundleCommand(['root', 'rotate', '--repo', repo, '--keys', keys, '--new-keys', join(base, 'keys2'), '--root-keys', '2', '--root-threshold', '2'])).toBe(0);
    await resolveTarget(trust, 'resabox-2.0.0-rbx-a1.tar.gz');
    const trusted = JSON.parse(await readFile(join(base, 'box', 'root.json'), 'utf8')) as { signed: { version: number; roles: { root: { threshold: number } } } };
    expect(trusted.signed.version).toBe(2);
    expect(trusted.signed.roles.root.threshold).toBe(2);
  });

  it('refuses bad input with a clear message and exit code', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await runBundleCommand(['frobnicate'])).toBe(2);
    await expect(runBundleCommand(['create', '--out', join(base, 'x.tgz'), '--version', 'one', '--hardware', 'h', '--source', base])).rejects.toThrow(/semantic version/);
    await expect(runBundleCommand(['sign', '--repo', base])).rejects.toThrow(/--bundle is required/);
    await expect(runBundleCommand(['create', '--out', join(base, 'y.tgz'), '--version', '1.0.0', '--hardware', 'h', '--source', base, '--entry', 'missing.js'])).rejects.toThrow(/entry missing.js not found/);
    errors.mockRestore();
  });
});
