/**
 * Bundle download from the fleet's artifact server: one ~20 MB target (uploaded through
 * the API as a box bundle would be), fetched at once by N simulated boxes in a child
 * process, each interrupted at a random point and resumed with a Range request. Prints
 * aggregate MB/s and p50/p99 per-box completion time; asserts only that every box got the
 * exact bytes (the box-side engineer measures the access downtime of an install).
 *
 *   UPDATE_BENCH_BOXES (default 100), UPDATE_BENCH_MB (default 20)
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startFleetService } from '../../fleet/cli/fleet-service.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';

const BOXES = Number(process.env.UPDATE_BENCH_BOXES ?? 100);
const MB = Number(process.env.UPDATE_BENCH_MB ?? 20);
const clients = fileURLToPath(new URL('./fleet-update-download-clients.ts', import.meta.url));

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;

function upload(url: string, token: string, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-length': body.length } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function runClients(env: Record<string, string>): Promise<{ wallMs: number; results: { ms: number; sha256: string; statuses: number[] }[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', clients], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`download clients exited ${code}`))));
  });
}

describe('update bundle download from the fleet artifact server', () => {
  it(`${BOXES} boxes fetch a ${MB} MB bundle at once, each resumed once with a Range request`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resabox-bench-update-'));
    const svc = await startFleetService({ dataDir: dir, clock: systemClock, logger: silentLogger, mqttListen: { tcp: { port: 0, host: '127.0.0.1' } }, http: { port: 0, host: '127.0.0.1' }, maxArtifactBytes: (MB + 1) * 1024 * 1024 });
    try {
      const bundle = randomBytes(MB * 1024 * 1024);
      const sha256 = createHash('sha256').update(bundle).digest('hex');
      const token = (await svc.api.ctx.tokens.create('bench', 'admin', Date.now())).token;
      const t0 = performance.now();
      const up = await upload(`${svc.httpUrl}/v1/updates/artifacts/resabox-9.9.9-bench.tar.gz`, token, bundle);
      const uploadMs = performance.now() - t0;
      expect(up.status).toBe(201);
      expect(JSON.parse(up.body).sha256).toBe(sha256);

      const cutAt = Math.floor(bundle.length * (0.2 + Math.random() * 0.6));
      const run = await runClients({ URL: `${svc.httpUrl}/repository/targets/resabox-9.9.9-bench.tar.gz`, BOXES: String(BOXES), CUT_AT: String(cutAt) });
      expect(run.results).toHaveLength(BOXES);
      for (const r of run.results) {
        expect(r.sha256).toBe(sha256);
        expect(r.statuses).toEqual([200, 206]);
      }
      const times = run.results.map((r) => r.ms).sort((a, b) => a - b);
      const servedMB = (BOXES * bundle.length) / 1024 / 1024;
      console.log(`fleet-update-download: upload ${MB} MB (streamed, hashed sha256+sha512, fsync, rename) in ${uploadMs.toFixed(0)} ms = ${(MB / (uploadMs / 1000)).toFixed(1)} MB/s`);
      console.log(`fleet-update-download: ${BOXES} boxes x ${MB} MB (cut at ${(cutAt / 1024 / 1024).toFixed(1)} MB, resumed with Range) in ${(run.wallMs / 1000).toFixed(2)} s = ${(servedMB / (run.wallMs / 1000)).toFixed(1)} MB/s aggregate`);
      console.log(`fleet-update-download: per-box completion p50 ${(pct(times, 50) / 1000).toFixed(2)} s, p99 ${(pct(times, 99) / 1000).toFixed(2)} s, max ${((times[times.length - 1] as number) / 1000).toFixed(2)} s`);
    } finally {
      await svc.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
