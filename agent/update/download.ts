import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { updateError, UpdateFailure } from './errors.ts';
import { httpGetStream } from './http-get.ts';
import type { VerifiedTarget } from './trust.ts';

/**
 * Downloads a target into `<path>` with HTTP Range resume. tuf-js downloads whole files
 * into a temp file, so an interrupted 20 MB bundle on a club's ADSL line would start
 * over; here the bytes go to a `.part` file that survives restarts, and the next
 * attempt asks for `bytes=<size>-`. The signed length bounds what is accepted (endless
 * data); hashes are checked separately by `verifyDownload` once the length is reached.
 */
export interface DownloadOptions {
  url: string;
  partPath: string;
  length: number;
  signal?: AbortSignal;
  onProgress?: (received: number, length: number) => void;
  /** fsync every this many bytes, so a power cut loses little of what was received. */
  syncEveryBytes?: number;
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then((s) => s.size, () => 0);
}

export async function downloadWithResume(o: DownloadOptions): Promise<void> {
  await mkdir(dirname(o.partPath), { recursive: true });
  let have = await sizeOf(o.partPath);
  if (have > o.length) {
    await truncate(o.partPath, 0);
    have = 0;
  }
  if (have === o.length) return;
  let res: IncomingMessage;
  try {
    res = await httpGetStream(o.url, { headers: have > 0 ? { range: `bytes=${have}-` } : {}, ...(o.signal ? { signal: o.signal } : {}) });
  } catch (e) {
    throw new UpdateFailure(updateError('UPDATE_TUF_UNREACHABLE', `${o.url}: ${(e as Error).message}`));
  }
  if (res.statusCode === 200) have = 0;
  else if (res.statusCode === 206) {
    const start = /^bytes (\d+)-/.exec(res.headers['content-range'] ?? '')?.[1];
    if (Number(start) !== have) {
      res.destroy();
      throw new UpdateFailure(updateError('UPDATE_TUF_UNREACHABLE', `server resumed at ${start ?? '?'} instead of ${have}`));
    }
  } else {
    res.resume();
    throw new UpdateFailure(updateError('UPDATE_TUF_UNREACHABLE', `${o.url}: HTTP ${res.statusCode}`));
  }
  const fh = await open(o.partPath, have === 0 ? 'w' : 'a');
  const syncEvery = o.syncEveryBytes ?? 1024 * 1024;
  let sinceSync = 0;
  let received = have;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      if (received + chunk.length > o.length) {
        await fh.close().catch(() => undefined);
        await rm(o.partPath, { force: true });
        throw new UpdateFailure(updateError('UPDATE_TARGET_TOO_LARGE', `more than the signed ${o.length} bytes`));
      }
      await fh.write(chunk);
      received += chunk.length;
      sinceSync += chunk.length;
      if (sinceSync >= syncEvery) {
        await fh.sync();
        sinceSync = 0;
      }
      o.onProgress?.(received, o.length);
    }
    await fh.sync();
  } catch (e) {
    if (e instanceof UpdateFailure) throw e;
    throw new UpdateFailure(updateError('UPDATE_TARGET_TRUNCATED', `${received}/${o.length} bytes, then: ${(e as Error).message}`));
  } finally {
    await fh.close().catch(() => undefined);
  }
  if (received < o.length) throw new UpdateFailure(updateError('UPDATE_TARGET_TRUNCATED', `${received}/${o.length} bytes`));
}

const SUPPORTED = ['sha256', 'sha512'] as const;

/** Checks length and every supported signed hash of a downloaded file; needs at least one. */
export async function verifyDownload(path: string, target: Pick<VerifiedTarget, 'length' | 'hashes'>): Promise<void> {
  const size = await sizeOf(path);
  if (size < target.length) throw new UpdateFailure(updateError('UPDATE_TARGET_TRUNCATED', `${size}/${target.length} bytes`));
  if (size > target.length) throw new UpdateFailure(updateError('UPDATE_TARGET_TOO_LARGE', `${size}/${target.length} bytes`));
  const algorithms = SUPPORTED.filter((a) => typeof target.hashes[a] === 'string');
  if (algorithms.length === 0) throw new UpdateFailure(updateError('UPDATE_TARGET_HASH_MISMATCH', 'no sha256/sha512 hash in the signed target'));
  const hashers = algorithms.map((a) => createHash(a));
  for await (const chunk of createReadStream(path)) for (const h of hashers) h.update(chunk as Buffer);
  algorithms.forEach((a, i) => {
    const got = (hashers[i] as ReturnType<typeof createHash>).digest('hex');
    if (got !== target.hashes[a]) throw new UpdateFailure(updateError('UPDATE_TARGET_HASH_MISMATCH', `${a} ${got.slice(0, 16)}... != signed ${String(target.hashes[a]).slice(0, 16)}...`));
  });
}
