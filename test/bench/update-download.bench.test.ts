import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeFile } from '../../fleet/rollouts/tuf-repository.ts';
import { downloadWithResume, verifyDownload } from '../../agent/update/download.ts';
import { startRepoServer } from '../support/repo-server.ts';

/**
 * Bundle distribution: one HTTP server (the test's static Range-capable server, like
 * the fleet's) and 100 simulated boxes downloading a 20 MB bundle at once. Each box is
 * cut off at a random point and resumes with a Range request, as a box on a flaky
 * line would. The 100 boxes hash and discard (100 x 20 MB on this shared disk would be
 * unkind); 5 more run the box's real downloader to disk and verify the signed hashes.
 */
const SIZE = 20 * 1024 * 1024;
const BOXES = 100;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

async function box(url: string, cutAt: number): Promise<{ ms: number; bytes: number; sha256: string }> {
  const t0 = performance.now();
  const hash = createHash('sha256');
  let have = 0;
  const first = await fetch(url);
  const reader = (first.body as ReadableStream<Uint8Array>).getReader();
  while (have < cutAt) {
    const { done, value } = await reader.read();
    if (done) break;
    const take = value.subarray(0, Math.min(value.length, cutAt - have));
    hash.update(take);
    have += take.length;
  }
  await reader.cancel();
  const rest = await fetch(url, { headers: { range: `bytes=${have}-` } });
  if (rest.status !== 206) throw new Error(`expected 206, got ${rest.status}`);
  for await (const chunk of rest.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    have += chunk.length;
  }
  return { ms: performance.now() - t0, bytes: have, sha256: hash.digest('hex') };
}

it('downloads a 20 MB bundle to 100 concurrent boxes with Range resume', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'resabox-dl-bench-'));
  const repo = join(dir, 'repo');
  const name = 'resabox-9.9.9-rbx-a1.tar.gz';
  await mkdir(join(repo, 'targets'), { recursive: true });
  await writeFile(join(repo, 'targets', name), randomBytes(SIZE));
  const target = await describeFile(join(repo, 'targets', name));
  const server = await startRepoServer(repo);
  try {
    const url = `${server.url}targets/${name}`;
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: BOXES }, () => box(url, Math.floor(Math.random() * SIZE))));
    const wallMs = performance.now() - t0;
    for (const r of results) expect(r.sha256).toBe(target.hashes.sha256);
    const times = results.map((r) => r.ms);
    const totalMB = (BOXES * SIZE) / 1024 / 1024;
    console.log(`[bench] bundle download: ${BOXES} concurrent boxes x ${SIZE / 1024 / 1024} MB (cut at a random offset, resumed with Range), one node:http server`);
    console.log(`[bench]   wall ${(wallMs / 1000).toFixed(1)} s, aggregate ${(totalMB / (wallMs / 1000)).toFixed(0)} MB/s, per box p50 ${(percentile(times, 50) / 1000).toFixed(1)} s, p95 ${(percentile(times, 95) / 1000).toFixed(1)} s, max ${(Math.max(...times) / 1000).toFixed(1)} s; all 100 sha256 match`);

    const disk = await mkdtemp(join(dir, 'boxes-'));
    const t1 = performance.now();
    await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const part = join(disk, `${i}.part`);
        await downloadWithResume({ url, partPath: part, length: target.length });
        await verifyDownload(part, target);
      }),
    );
    const diskMs = performance.now() - t1;
    console.log(`[bench]   box downloader to disk (fsync every MB, then sha256+sha512 check): 5 concurrent in ${(diskMs / 1000).toFixed(1)} s = ${((5 * SIZE) / 1024 / 1024 / (diskMs / 1000)).toFixed(0)} MB/s aggregate`);
    expect(server.requests.filter((r) => / bytes=\d+-$/.test(r)).length).toBeGreaterThanOrEqual(BOXES);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
