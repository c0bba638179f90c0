/**
 * Child process of fleet-update-download.bench.test.ts: N simulated boxes download one target
 * at once from the fleet's repository, each one interrupted once and resumed with
 * `Range: bytes=<got>-`, as a box does after a network cut. Prints one JSON line:
 * per-box completion times (ms) and sha256 of each assembled file.
 *
 *   URL, BOXES, CUT_AT (bytes read before the simulated cut)
 */
import { createHash } from 'node:crypto';
import http from 'node:http';

const url = new URL(process.env.URL ?? '');
const boxes = Number(process.env.BOXES ?? 100);
const cutAt = Number(process.env.CUT_AT ?? 0);

/** GETs from `from`, hashing into `hash`; stops (destroying the socket) after `limit` bytes when given. */
function get(from: number, hash: ReturnType<typeof createHash>, limit: number | null): Promise<{ got: number; status: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: from > 0 ? { range: `bytes=${from}-` } : {}, agent: false }, (res) => {
      let got = 0;
      res.on('data', (chunk: Buffer) => {
        const take = limit === null ? chunk.length : Math.min(chunk.length, limit - got);
        if (take > 0) hash.update(take === chunk.length ? chunk : chunk.subarray(0, take));
        got += take;
        if (limit !== null && got >= limit) {
          req.destroy();
          resolve({ got, status: res.statusCode ?? 0 });
        }
      });
      res.on('end', () => resolve({ got, status: res.statusCode ?? 0 }));
      res.on('error', (e) => (limit !== null && got >= limit ? undefined : reject(e)));
    });
    req.on('error', (e) => (limit !== null ? undefined : reject(e)));
  });
}

async function box(): Promise<{ ms: number; sha256: string; statuses: number[] }> {
  const t0 = performance.now();
  const hash = createHash('sha256');
  const first = await get(0, hash, cutAt > 0 ? cutAt : null);
  const statuses = [first.status];
  if (cutAt > 0) statuses.push((await get(first.got, hash, null)).status);
  return { ms: performance.now() - t0, sha256: hash.digest('hex'), statuses };
}

const t0 = performance.now();
const results = await Promise.all(Array.from({ length: boxes }, () => box()));
process.stdout.write(`${JSON.stringify({ wallMs: performance.now() - t0, results })}\n`);
