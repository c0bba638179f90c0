import { access, cp, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';

/**
 * The packages a compiled release cannot bundle: native addons, loaded through a path
 * relative to their own package folder (bindings, node-gyp-build, pkg-prebuilds).
 * Everything else the agent imports is compiled into agent.mjs.
 */
export const NATIVE_PACKAGES = ['better-sqlite3', '@serialport/bindings-cpp', 'node-hid'] as const;

/** Dependencies used only to build or download an addon at `npm install` time. */
const INSTALL_ONLY = new Set(['prebuild-install', 'node-addon-api', 'node-gyp']);

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

const exists = (path: string) => access(path).then(() => true, () => false);

/**
 * Folders (relative to `root`) of `names` and of their run-time dependencies, followed
 * with Node's lookup (nested node_modules first, then the parents'); install-only
 * packages are left out, and an absent optional one is skipped.
 */
export async function dependencyClosure(root: string, names: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  const queue = names.map((name) => ({ from: root, name }));
  for (let item = queue.shift(); item; item = queue.shift()) {
    if (INSTALL_ONLY.has(item.name)) continue;
    let dir = item.from;
    let hit: string | null = null;
    for (;;) {
      const candidate = join(dir, 'node_modules', item.name);
      if (await exists(join(candidate, 'package.json'))) {
        hit = candidate;
        break;
      }
      if (dir === root || !dir.startsWith(root + sep)) break;
      dir = dirname(dir);
      while (basename(dir) === 'node_modules' || basename(dir).startsWith('@')) dir = dirname(dir);
    }
    if (!hit || found.has(hit)) continue;
    found.add(hit);
    const pkg = await readPackage(hit);
    for (const name of Object.keys({ ...pkg?.dependencies, ...pkg?.optionalDependencies })) queue.push({ from: hit, name });
  }
  return [...found].map((abs) => relative(root, abs)).sort();
}

const SOURCE_FILE = /\.(md|markdown|map|ts|c|cc|cpp|h|hpp|gyp|gypi|mk|py)$|(^|\/)(Makefile|CMakeLists\.txt|\.npmignore|\.editorconfig)$/;
const DOCS_DIR = /^(test|tests|docs|doc|example|examples|benchmark|\.github|\.bin)$/;
/** The C/C++ sources of an addon (better-sqlite3's deps/ and src/, node-hid's hidapi/). */
const ADDON_SOURCE_DIR = /^(deps|src|hidapi)$/;

/**
 * Whether a file or folder of a package ships: its JavaScript, package.json and licence,
 * and for an addon the compiled binary for this platform; never C sources, other
 * platforms' prebuilt binaries, build intermediates, typings or docs.
 */
export function shipsInRelease(pathInPackage: string, isDir: boolean, addon: boolean, platformArch = `${process.platform}-${process.arch}`): boolean {
  const p = pathInPackage.split(sep).join('/');
  if (p === '') return true;
  const parts = p.split('/');
  const [top, second] = parts;
  if (DOCS_DIR.test(top as string) || (addon && ADDON_SOURCE_DIR.test(top as string))) return false;
  if (p.includes('/.bin/') || p.endsWith('/.bin')) return false;
  if (top === 'build') return parts.length === 1 || (second === 'Release' && (parts.length === 2 || (parts.length === 3 && p.endsWith('.node') && !p.includes('test_'))));
  if (top === 'prebuilds' && second !== undefined) return second.includes(platformArch);
  return isDir || !(SOURCE_FILE.test(p) && !p.endsWith('.d.mts'));
}

/**
 * Copies the native packages and their run-time dependencies from `<source>/node_modules`
 * into `<out>/node_modules`, filtered (shipsInRelease). Returns the packages copied.
 */
export async function copyRuntimeModules(source: string, out: string, names: readonly string[] = NATIVE_PACKAGES): Promise<string[]> {
  const dirs = await dependencyClosure(source, names);
  for (const dir of dirs) {
    const from = join(source, dir);
    const addon = await exists(join(from, 'binding.gyp'));
    await cp(from, join(out, dir), {
      recursive: true,
      dereference: true,
      filter: async (src) => {
        const inPackage = relative(from, src);
        // Nested node_modules are packages of their own, copied as such when needed.
        if (inPackage.split(sep)[0] === 'node_modules') return false;
        return shipsInRelease(inPackage, (await stat(src)).isDirectory(), addon);
      },
    });
  }
  return dirs;
}
