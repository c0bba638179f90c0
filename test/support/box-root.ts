import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { UpdateJobMessage, UpdateStatusMessage } from '../../protocol/mqtt/index.ts';
import { REPO_ROOT } from '../../cli/bundle/archive.ts';
import { currentVersion } from '../../agent/launcher/releases.ts';
import { readReleaseManifest } from '../../agent/update/unpack.ts';
import { makeBundle, publishBundle, type TestRepository } from './update-fixtures.ts';

/** The entry script of a fake release: loads tsx from this checkout, then the fake agent. */
export function fakeAgentScript(): string {
  const api = pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'api', 'index.mjs')).href;
  const agent = pathToFileURL(join(REPO_ROOT, 'test', 'support', 'fake-agent.ts')).href;
  return `import { register } from '${api}';\nregister();\nawait import('${agent}');\n`;
}

export interface Behaviour {
  crash?: boolean;
  selfTestOk?: boolean;
  noHealth?: boolean;
  serveBadges?: boolean;
}

/** A box root with release `version` installed and `current` pointing at it. */
export async function makeBoxRoot(r: TestRepository, version: string, behaviour: Behaviour = {}): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'resabox-box-'));
  const dir = join(root, 'releases', version);
  await mkdir(dir, { recursive: true });
  await mkdir(join(root, 'test'), { recursive: true });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ name: 'resabox-agent', version, hardware: 'rbx-a1', channel: 'stable', minVersion: '0.0.0', entry: 'agent.mjs', createdAt: new Date().toISOString() }));
  await writeFile(join(dir, 'agent.mjs'), fakeAgentScript());
  await writeFile(join(dir, 'behaviour.json'), JSON.stringify(behaviour));
  await symlink(join('releases', version), join(root, 'current'));
  await writeFile(join(root, 'test', 'anchor.root.json'), await readFile(r.anchor));
  return root;
}

/** Builds and signs a fake release bundle with the given behaviour; returns its target name. */
export async function publishFakeRelease(r: TestRepository, version: string, behaviour: Behaviour = {}, padBytes = 0): Promise<string> {
  const files: Record<string, string | Buffer> = { 'behaviour.json': JSON.stringify(behaviour) };
  if (padBytes > 0) files['padding.bin'] = randomBytes(padBytes);
  const bundle = await makeBundle(r.base, { version, script: fakeAgentScript(), files });
  return publishBundle(r, bundle, { version });
}

export function installJob(repositoryUrl: string, version: string, targetName: string, jobId = `job-${version}`): UpdateJobMessage {
  const now = Date.now();
  return { v: 1, jobId, rolloutId: 'rollout-1', action: 'install', version, channel: 'stable', hardware: 'rbx-a1', repositoryUrl, targetName, downloadOnly: false, installWindow: null, issuedAt: now, expiresAt: now + 3_600_000 };
}

export async function sendJob(root: string, job: UpdateJobMessage): Promise<void> {
  await writeFile(join(root, 'test', 'job.json'), JSON.stringify(job));
}

export interface Published {
  topic: string;
  version: string;
  pid: number;
  msg: UpdateStatusMessage & { kind?: string; data?: Record<string, unknown> };
}

export async function published(root: string): Promise<Published[]> {
  const text = await readFile(join(root, 'test', 'published.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Published);
}

/** `current` points at a complete release directory (valid manifest, entry present). */
export async function currentIsIntact(root: string): Promise<string | null> {
  const v = await currentVersion(root);
  if (!v) return null;
  const m = await readReleaseManifest(join(root, 'current'));
  if (!m || m.version !== v) return null;
  await readFile(join(root, 'current', m.entry));
  return v;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
