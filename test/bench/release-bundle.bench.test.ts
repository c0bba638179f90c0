import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createBundle } from '../../cli/bundle/archive.ts';
import { buildRelease } from '../../cli/release/build.ts';

/*
 * What a box downloads and unpacks: this checkout compiled into a release (`npm run build`,
 * `resabox release build`): agent.mjs and launcher.mjs (esbuild), the local pages, and the
 * native modules with what they load. Printed: unpacked size (goal <= 40 MB), files,
 * packed bundle size, build and pack times. Asserts only that the agent entry is there.
 */
it('builds and packs the release of this checkout', async () => {
  const work = await mkdtemp(join(tmpdir(), 'resabox-release-bench-'));
  try {
    const t0 = Date.now();
    const built = await buildRelease({ out: join(work, 'release'), version: '9.9.9', hardware: 'rbx-bench' });
    const t1 = Date.now();
    await createBundle({ source: built.dir, out: join(work, 'bundle.tar.gz'), manifest: built.manifest });
    const t2 = Date.now();
    expect((await stat(join(built.dir, 'agent.mjs'))).isFile()).toBe(true);
    const packed = (await stat(join(work, 'bundle.tar.gz'))).size;
    console.log('[bench] release bundle of this checkout (goal <= 40 MB unpacked):');
    console.log(`[bench]   unpacked ${(built.bytes / 1e6).toFixed(1)} MB in ${built.files} files (node_modules: ${built.modules.join(', ')}); packed ${(packed / 1e6).toFixed(1)} MB; build ${((t1 - t0) / 1000).toFixed(1)} s, pack ${((t2 - t1) / 1000).toFixed(1)} s`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
