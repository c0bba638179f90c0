import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBundle } from '../../cli/bundle/archive.ts';
import { generateSigningKey, type RoleName, type SigningKey } from '../../fleet/rollouts/tuf-keys.ts';
import { addTarget, initRepository, type TargetCustom } from '../../fleet/rollouts/tuf-repository.ts';

/** Re-exported for agent tests, which may not import fleet code themselves. */
export { refreshTimestamp } from '../../fleet/rollouts/tuf-repository.ts';

export type KeySet = Record<RoleName, SigningKey[]>;

export function makeKeys(): KeySet {
  return { root: [generateSigningKey('root')], targets: [generateSigningKey('targets')], snapshot: [generateSigningKey('snapshot')], timestamp: [generateSigningKey('timestamp')] };
}

export interface TestRepository {
  base: string;
  repo: string;
  keys: KeySet;
  /** The box's shipped trust anchor (root v1). */
  anchor: string;
}

export async function makeRepository(now = Date.now()): Promise<TestRepository> {
  const base = await mkdtemp(join(tmpdir(), 'resabox-upd-'));
  const repo = join(base, 'repo');
  const keys = makeKeys();
  await initRepository({ repo, keys, now, rootThreshold: 1 });
  return { base, repo, keys, anchor: join(repo, 'metadata', '1.root.json') };
}

export interface ReleaseSpec {
  version: string;
  hardware?: string;
  channel?: string;
  minVersion?: string;
  /** Content of the entry script `agent.mjs`. */
  script?: string;
  /** Extra files (name -> content), e.g. padding to make a big bundle. */
  files?: Record<string, string | Buffer>;
}

/** Builds a bundle with `resabox bundle create`'s code from a small release folder. */
export async function makeBundle(base: string, spec: ReleaseSpec): Promise<string> {
  const src = join(base, `src-${spec.version}-${Math.random().toString(36).slice(2, 8)}`);
  await mkdir(src, { recursive: true });
  await writeFile(join(src, 'agent.mjs'), spec.script ?? `console.log('agent ${spec.version}');\n`);
  for (const [name, content] of Object.entries(spec.files ?? {})) await writeFile(join(src, name), content);
  const out = join(base, `bundle-${spec.version}-${Math.random().toString(36).slice(2, 8)}.tar.gz`);
  await createBundle({ source: src, out, manifest: { version: spec.version, hardware: spec.hardware ?? 'rbx-a1', channel: spec.channel ?? 'stable', minVersion: spec.minVersion ?? '0.0.0', entry: 'agent.mjs' } });
  return out;
}

export function targetNameOf(version: string, hardware = 'rbx-a1'): string {
  return `resabox-${version}-${hardware}.tar.gz`;
}

/** Publishes a bundle as a signed target; `custom` overrides let a test lie about it. */
export async function publishBundle(r: TestRepository, bundle: string, spec: ReleaseSpec, custom: Partial<TargetCustom> = {}, now = Date.now()): Promise<string> {
  const name = targetNameOf(spec.version, custom.hardware ?? spec.hardware);
  await addTarget({ repo: r.repo, keys: r.keys, now, file: bundle, name, custom: { version: spec.version, hardware: spec.hardware ?? 'rbx-a1', channel: spec.channel ?? 'stable', minVersion: spec.minVersion ?? '0.0.0', ...custom } });
  return name;
}
