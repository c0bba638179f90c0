import { access, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';
import { MANIFEST_FILE, parseManifest, type BundleManifest } from '../../agent/update/manifest.ts';

/** This checkout: the default source of a bundle. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** What the agent needs at run time; tests, docs, the fleet and the simulators stay out. */
const AGENT_RUNTIME = ['protocol', 'platform', 'agent', 'bin/resabox-agent.js', 'package.json'];

/** Files never shipped, whatever the source. */
function shipped(path: string): boolean {
  const p = path.split(sep).join('/');
  return !/\.test\.ts$/.test(p) && !p.includes('node_modules/.bin/') && !p.endsWith('node_modules/.bin') && !p.includes('/.git/') && !p.endsWith('.part');
}

interface PackageJson {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

async function readPackage(dir: string): Promise<PackageJson | null> {
  try {
    return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    return null;
  }
}

/**
 * Folders of the production dependencies (dependencies + optionalDependencies, followed
 * transitively with Node's lookup: nested node_modules first, then the top level),
 * relative to `root`. Only top-level folders are returned; nested ones ship inside them.
 */
export async function productionDependencyDirs(root: string): Promise<string[]> {
  const found = new Set<string>();
  const queue: { from: string; name: string }[] = [];
  const enqueue = (from: string, pkg: PackageJson | null) => {
    for (const name of Object.keys({ ...pkg?.dependencies, ...pkg?.optionalDependencies })) queue.push({ from, name });
  };
  enqueue(root, await readPackage(root));
  for (let item = queue.shift(); item; item = queue.shift()) {
    let dir = item.from;
    let hit: string | null = null;
    for (;;) {
      const candidate = join(dir, 'node_modules', item.name);
      if (await access(join(candidate, 'package.json')).then(() => true, () => false)) {
        hit = candidate;
        break;
      }
      if (dir === root || !dir.startsWith(root + sep)) break;
      dir = dirname(dir);
      while (basename(dir) === 'node_modules' || basename(dir).startsWith('@')) dir = dirname(dir);
    }
    if (!hit || found.has(hit)) continue; // an optional dependency may be absent
    found.add(hit);
    enqueue(hit, await readPackage(hit));
  }
  const tops = new Set<string>();
  for (const abs of found) {
    const parts = relative(root, abs).split(sep);
    tops.add(parts.slice(0, parts[1]?.startsWith('@') ? 3 : 2).join('/'));
  }
  return [...tops].sort();
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
  if (!(await access(join(source, checked.entry)).then(() => true, () => false))) throw new Error(`entry ${checked.entry} not found in ${source}`);
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
