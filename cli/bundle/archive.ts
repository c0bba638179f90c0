import { execFile } from 'node:child_process';
import { access, mkdtemp, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tar from 'tar';
import { MANIFEST_FILE, parseManifest, type BundleManifest } from '../../agent/update/manifest.ts';

const run = promisify(execFile);

/** This checkout: the default source of a bundle. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** What the agent needs at run time; tests, docs, the fleet and the simulators stay out. */
const AGENT_RUNTIME = ['protocol', 'platform', 'agent', 'bin/resabox-agent.js', 'package.json'];

/** Files never shipped, whatever the source. */
function shipped(path: string): boolean {
  const p = path.split(sep).join('/');
  return !/\.test\.ts$/.test(p) && !p.includes('node_modules/.bin/') && !p.endsWith('node_modules/.bin') && !p.includes('/.git/') && !p.endsWith('.part');
}

/** Top-level folders of the production dependencies (npm ls --omit=dev), relative to `root`. */
export async function productionDependencyDirs(root: string): Promise<string[]> {
  const { stdout } = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, maxBuffer: 64 * 1024 * 1024 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  const modules = await realpath(join(root, 'node_modules'));
  const dirs = new Set<string>();
  for (const line of stdout.split('\n')) {
    const abs = line.trim();
    if (!abs) continue;
    const real = await realpath(abs).catch(() => abs);
    if (!real.startsWith(modules + sep)) continue;
    const parts = relative(modules, real).split(sep);
    const top = parts[0]?.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1);
    dirs.add(['node_modules', ...top].join('/'));
  }
  return [...dirs].sort();
}

export interface CreateBundleOptions {
  /** Directory whose content is the release; default: this checkout's agent runtime. */
  source?: string;
  out: string;
  manifest: Omit<BundleManifest, 'name' | 'createdAt'> & { createdAt?: string };
}

/**
 * Packs a release as one tar.gz: manifest.json plus the source tree. A staging folder
 * holds the manifest and links to the source entries (followed), so the source is never
 * written to.
 */
export async function createBundle(o: CreateBundleOptions): Promise<BundleManifest> {
  const manifest = { name: 'resabox-agent' as const, createdAt: new Date().toISOString(), ...o.manifest };
  const checked = parseManifest(manifest);
  if (typeof checked === 'string') throw new Error(checked);
  const source = o.source ? resolve(o.source) : REPO_ROOT;
  const wanted = o.source ? (await readdir(source)).filter((n) => n !== MANIFEST_FILE && n !== '.git') : [...AGENT_RUNTIME, ...(await productionDependencyDirs(source))];
  const entries: string[] = [];
  for (const e of wanted) if (await access(join(source, e)).then(() => true, () => false)) entries.push(e);
  const staging = await mkdtemp(join(tmpdir(), 'resabox-bundle-'));
  try {
    await writeFile(join(staging, MANIFEST_FILE), `${JSON.stringify(checked, null, 2)}\n`);
    const tops = new Set<string>();
    for (const e of entries) {
      const top = e.split('/')[0] as string;
      if (e.includes('/') && top === 'node_modules') continue;
      tops.add(top);
    }
    // Entries deeper than one level (bin/x.js, node_modules/a) are packed by path through
    // a link to their top folder; whole top folders are packed by their link.
    for (const top of tops) await symlink(join(source, top), join(staging, top));
    const nodeModules = entries.filter((e) => e.startsWith('node_modules/'));
    if (nodeModules.length > 0) await symlink(join(source, 'node_modules'), join(staging, 'node_modules'));
    const list = [MANIFEST_FILE, ...entries];
    await tar.c({ gzip: { level: 9 }, file: resolve(o.out), cwd: staging, portable: true, follow: true, noDirRecurse: false, filter: (p) => shipped(p) }, list);
    return checked;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
