import { execFile } from 'node:child_process';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBundle } from '../bundle/archive.ts';
import { buildRelease, type BuiltRelease } from './build.ts';
import { shipsInRelease } from './runtime-modules.ts';

const run = promisify(execFile);
let base: string;
let built: BuiltRelease;

beforeAll(async () => {
  // Outside the checkout: no parent node_modules the release could lean on.
  base = await mkdtemp(join(tmpdir(), 'resabox-release-'));
  built = await buildRelease({ out: join(base, 'rel'), version: '1.2.3-rc.1', hardware: 'rbx-a1', minVersion: '1.0.0' });
}, 120_000);
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('a compiled release', () => {
  it('holds the compiled agent and launcher, the local pages and a manifest naming agent.mjs', async () => {
    const top = (await readdir(built.dir)).sort();
    expect(top).toEqual(['agent.mjs', 'launcher.mjs', 'manifest.json', 'node_modules', 'static']);
    expect(JSON.parse(await readFile(join(built.dir, 'manifest.json'), 'utf8'))).toMatchObject({ name: 'resabox-agent', version: '1.2.3-rc.1', hardware: 'rbx-a1', minVersion: '1.0.0', entry: 'agent.mjs' });
    expect(await readdir(join(built.dir, 'static'))).toContain('totem.html');
  });

  it('runs on plain node, without TypeScript or a loader', async () => {
    const help = await run(process.execPath, [join(built.dir, 'agent.mjs'), '--help'], { cwd: base });
    expect(help.stdout).toContain('resabox-agent: runs a RESABOX access-control box');
    const agentSource = await readFile(join(built.dir, 'agent.mjs'), 'utf8');
    expect(agentSource).not.toMatch(/from ["']tsx|\.ts["']\)/);
    const launcher = await run(process.execPath, [join(built.dir, 'launcher.mjs'), '--help'], { cwd: base });
    expect(launcher.stdout).toContain('resabox-launcher: runs the box');
  });

  it('ships only the native modules and what they load, built for this platform, and each loads from the release', async () => {
    const names = built.modules.map((m) => m.replace(/^.*node_modules\//, ''));
    expect(names).toEqual(expect.arrayContaining(['better-sqlite3', '@serialport/bindings-cpp', 'bindings', 'node-gyp-build']));
    expect(names.filter((n) => /^(tsx|typescript|esbuild|fastify|aedes|prom-client|vitest|prebuild-install|node-addon-api)$/.test(n))).toEqual([]);
    for (const m of ['better-sqlite3', '@serialport/bindings-cpp']) {
      const { stdout } = await run(process.execPath, ['-e', `console.log(typeof require(${JSON.stringify(`./node_modules/${m}`)}))`], { cwd: built.dir });
      expect(stdout.trim()).toMatch(/function|object/);
    }
    const db = await run(process.execPath, ['-e', "const D=require('./node_modules/better-sqlite3'); console.log(new D(':memory:').prepare('select 41+1 as x').get().x)"], { cwd: built.dir });
    expect(db.stdout.trim()).toBe('42');
    const files = (await readdir(join(built.dir, 'node_modules'), { recursive: true })).map(String);
    expect(files.filter((f) => /\.(c|cc|h|ts|md)$/.test(f) && !f.endsWith('.d.mts'))).toEqual([]);
    expect(files.filter((f) => /(^|\/)prebuilds\/[^/]+$/.test(f) && !f.includes(`${process.platform}-${process.arch}`))).toEqual([]);
  });

  it('packs into a bundle that lists the manifest and the release tree', async () => {
    const out = join(base, 'b.tar.gz');
    let last = 0;
    await createBundle({ source: built.dir, out, manifest: { version: '1.2.3-rc.1', hardware: 'rbx-a1', channel: 'stable', minVersion: '1.0.0' }, onProgress: (done, total) => (last = done / total) });
    const listed: string[] = [];
    await tar.t({ file: out, onReadEntry: (e) => void listed.push(e.path) });
    expect(listed).toEqual(expect.arrayContaining(['manifest.json', 'agent.mjs', 'launcher.mjs', 'node_modules/better-sqlite3/package.json']));
    expect(last).toBe(1);
  });
});

describe('what a native package ships', () => {
  it('keeps JavaScript, the addon for this platform and licences; drops sources, intermediates, other platforms and docs', () => {
    const ships = (p: string, dir = false, addon = true) => shipsInRelease(p, dir, addon, 'linux-x64');
    expect(ships('lib/index.js')).toBe(true);
    expect(ships('LICENSE')).toBe(true);
    expect(ships('build/Release/better_sqlite3.node')).toBe(true);
    expect(ships('build/Release/test_extension.node')).toBe(false);
    expect(ships('build/Release/obj', true)).toBe(false);
    expect(ships('deps', true)).toBe(false);
    expect(ships('src', true)).toBe(false);
    expect(ships('src', true, false)).toBe(true);
    expect(ships('prebuilds/linux-x64', true)).toBe(true);
    expect(ships('prebuilds/HID_hidraw-linux-x64', true)).toBe(true);
    expect(ships('prebuilds/darwin-x64+arm64', true)).toBe(false);
    expect(ships('README.md')).toBe(false);
    expect(ships('index.d.ts')).toBe(false);
  });
});
