import { access, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import * as tar from 'tar';
import { MANIFEST_FILE, parseManifest, type BundleManifest } from '../../agent/update/manifest.ts';
import { readReleaseManifest } from '../../agent/update/unpack.ts';
import { buildRelease, treeSize } from '../release/build.ts';

export { REPO_ROOT } from '../release/build.ts';

/** Files never shipped, whatever the source. */
function shipped(path: string): boolean {
  const p = path.split(sep).join('/');
  return !/\.test\.ts$/.test(p) && !p.includes('node_modules/.bin/') && !p.endsWith('node_modules/.bin') && !p.includes('/.git/') && !p.endsWith('.part');
}

/** Progress of the packing: bytes of the release read so far, of `total`. */
export type PackProgress = (done: number, total: number) => void;

export interface CreateBundleOptions {
  /** Directory whose content is the release; default: this checkout, compiled (cli/release/build.ts). */
  source?: string;
  out: string;
  manifest: Omit<BundleManifest, 'name' | 'createdAt' | 'entry'> & { entry?: string; createdAt?: string };
  onStep?: (step: string) => void;
  onProgress?: PackProgress;
}

/**
 * Packs a release as one tar.gz: manifest.json plus the release tree. Without `source`,
 * the release is this checkout compiled into a temporary folder first. A staging folder
 * holds the manifest and links to the source entries (followed), so the source is never
 * written to.
 */
export async function createBundle(o: CreateBundleOptions): Promise<BundleManifest> {
  const work = await mkdtemp(join(tmpdir(), 'resabox-bundle-'));
  try {
    let source: string;
    let checked: BundleManifest;
    if (o.source) {
      const m = parseManifest({ name: 'resabox-agent', createdAt: new Date().toISOString(), entry: 'agent.mjs', ...o.manifest });
      if (typeof m === 'string') throw new Error(m);
      source = resolve(o.source);
      checked = m;
      if (!(await access(join(source, checked.entry)).then(() => true, () => false))) throw new Error(`entry ${checked.entry} not found in ${source}`);
    } else {
      const built = await buildRelease({ ...o.manifest, out: join(work, 'release'), ...(o.onStep ? { onStep: o.onStep } : {}) });
      source = built.dir;
      checked = built.manifest;
    }
    const staging = join(work, 'staging');
    await mkdir(staging, { recursive: true });
    await writeFile(join(staging, MANIFEST_FILE), `${JSON.stringify(checked, null, 2)}\n`);
    const entries = (await readdir(source)).filter((n) => n !== MANIFEST_FILE && n !== '.git');
    for (const e of entries) await symlink(join(source, e), join(staging, e));
    const total = (await treeSize(source)).bytes;
    let done = 0;
    o.onStep?.(`packing ${(total / 1e6).toFixed(1)} MB into ${o.out} (gzip)`);
    await tar.c(
      {
        gzip: { level: 9 },
        file: resolve(o.out),
        cwd: staging,
        portable: true,
        follow: true,
        filter: (p, stat) => {
          if (!shipped(p)) return false;
          if ('isFile' in stat && stat.isFile()) o.onProgress?.((done += stat.size), total);
          return true;
        },
      },
      [MANIFEST_FILE, ...entries],
    );
    return checked;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Reads manifest.json out of a bundle without unpacking the rest. */
export async function bundleManifest(file: string): Promise<BundleManifest> {
  const dir = await mkdtemp(join(tmpdir(), 'resabox-manifest-'));
  try {
    await tar.x({ file, cwd: dir, filter: (p) => p === MANIFEST_FILE || p === `./${MANIFEST_FILE}` });
    const m = await readReleaseManifest(dir);
    if (!m) throw new Error(`${file}: no valid ${MANIFEST_FILE} in the bundle`);
    return m;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
