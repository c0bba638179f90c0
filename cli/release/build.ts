import { cp, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { MANIFEST_FILE, parseManifest, type BundleManifest } from '../../agent/update/manifest.ts';
import { copyRuntimeModules, NATIVE_PACKAGES } from './runtime-modules.ts';

/** This checkout: where a release is built from. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The release's entry points, compiled to one ES module each. */
const ENTRIES = { agent: 'agent/main.ts', launcher: 'agent/launcher/main.ts' } as const;
/** What the agent reads next to its code at run time (agent/local-ui/local-ui.ts). */
const STATIC_DIR = 'agent/local-ui/static';

/**
 * Bundled CommonJS packages may call require() or read __dirname; an ES module has
 * neither, so each output defines them from its own URL.
 */
const CJS_SHIM = [
  "import { createRequire as __resaboxRequire } from 'node:module';",
  "import { fileURLToPath as __resaboxPath } from 'node:url';",
  'const require = __resaboxRequire(import.meta.url);',
  'const __filename = __resaboxPath(import.meta.url);',
  "const __dirname = __resaboxPath(new URL('.', import.meta.url));",
].join('\n');

export interface ReleaseSpec {
  version: string;
  hardware: string;
  channel?: string;
  minVersion?: string;
}

export interface BuildReleaseOptions extends ReleaseSpec {
  /** The release folder to write (replaced if it exists). */
  out: string;
  /** Checkout to build from; default this one. */
  source?: string;
  /** One line per step, for the CLI's progress. */
  onStep?: (step: string) => void;
}

export interface BuiltRelease {
  dir: string;
  manifest: BundleManifest;
  /** Total size of the folder, in bytes (the bundle's unpacked size). */
  bytes: number;
  files: number;
  /** The node_modules folders shipped (native addons and what they load). */
  modules: string[];
}

/** Size and file count of a folder tree. */
export async function treeSize(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    bytes += (await stat(join(e.parentPath, e.name))).size;
    files++;
  }
  return { bytes, files };
}

/**
 * A release as a box runs it: `agent.mjs` and `launcher.mjs` compiled by esbuild (no
 * TypeScript at run time), the local pages' static files, the native addons built for
 * this machine's platform with only what they load, and `manifest.json`. The launcher
 * starts `node <release>/agent.mjs`.
 */
export async function buildRelease(o: BuildReleaseOptions): Promise<BuiltRelease> {
  const source = resolve(o.source ?? REPO_ROOT);
  const manifest = parseManifest({ name: 'resabox-agent', version: o.version, hardware: o.hardware, channel: o.channel ?? 'stable', minVersion: o.minVersion ?? '0.0.0', entry: 'agent.mjs', createdAt: new Date().toISOString() });
  if (typeof manifest === 'string') throw new Error(manifest);
  const out = resolve(o.out);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  o.onStep?.(`compiling the agent and the launcher (esbuild)`);
  await build({
    absWorkingDir: source,
    entryPoints: Object.entries(ENTRIES).map(([name, path]) => ({ in: join(source, path), out: name })),
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: [...NATIVE_PACKAGES],
    banner: { js: CJS_SHIM },
    // V8 keeps a script's whole source in the heap for lazy compilation, as two bytes per
    // character if a single one is not Latin-1 (comments in French): 5.6 MB for agent.mjs.
    // Without whitespace and comments it is 1.9 MB and plain ASCII. Names are kept, so
    // stack traces and logs still name functions and classes.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'silent',
  });
  await cp(join(source, STATIC_DIR), join(out, 'static'), { recursive: true });
  o.onStep?.('copying the native modules (better-sqlite3, serialport, node-hid) for this platform');
  const modules = await copyRuntimeModules(source, out);
  await writeFile(join(out, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  const size = await treeSize(out);
  o.onStep?.(`release ${manifest.version} for ${manifest.hardware}: ${size.files} files, ${(size.bytes / 1e6).toFixed(1)} MB`);
  return { dir: out, manifest, ...size, modules };
}
