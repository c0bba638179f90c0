import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { CliFailure, EXIT, type FleetClient } from '../support/fleet-client.ts';

export interface UploadProgress {
  /** Bytes the fleet holds. */
  done: number;
  total: number;
  /** Where this run started (more than 0 when an earlier upload is resumed). */
  resumedAt: number;
}

export interface UploadOptions {
  client: FleetClient;
  file: string;
  name: string;
  ticket?: string;
  /** Bytes per request: a broken connection costs at most one chunk. */
  chunkBytes?: number;
  /** Chunks retried after a failure before giving up (the next run resumes anyway). */
  retries?: number;
  onProgress?: (p: UploadProgress) => void;
}

export async function sha256Of(file: string): Promise<string> {
  const h = createHash('sha256');
  const fh = await open(file, 'r');
  try {
    for await (const chunk of fh.createReadStream()) h.update(chunk as Buffer);
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

/**
 * Uploads a bundle resumably (fleet/rollouts/artifact-uploads.ts): declares it, asks the
 * fleet how much it holds, sends the rest in chunks from there, and completes it. An
 * interrupted chunk is retried from the fleet's count; a later run of the same file
 * resumes where the last one stopped. Returns the stored artifact.
 */
export async function uploadBundle(o: UploadOptions): Promise<{ targetName: string; length: number; sha256: string; resumedAt: number }> {
  const total = (await stat(o.file)).size;
  const sha256 = await sha256Of(o.file);
  const started = await o.client.post('/v1/updates/uploads', { name: o.name, length: total, sha256 }, o.ticket);
  const uploadId = started.uploadId as string;
  const resumedAt = started.received as number;
  let done = resumedAt;
  o.onProgress?.({ done, total, resumedAt });
  const chunk = o.chunkBytes ?? 4 * 1024 * 1024;
  const fh = await open(o.file, 'r');
  try {
    let failures = 0;
    while (done < total) {
      const size = Math.min(chunk, total - done);
      const buf = Buffer.alloc(size);
      await fh.read(buf, 0, size, done);
      try {
        const state = await o.client.putBytes(`/v1/updates/uploads/${uploadId}`, buf, { 'content-range': `bytes ${done}-${done + size - 1}/${total}` });
        done = state.received as number;
        failures = 0;
      } catch (e) {
        if (!(e instanceof CliFailure) || ++failures > (o.retries ?? 3)) throw e;
        // The fleet keeps what reached it: ask where it stands, go on from there.
        done = ((await o.client.post('/v1/updates/uploads', { name: o.name, length: total, sha256 }, o.ticket)).received as number) ?? done;
      }
      o.onProgress?.({ done, total, resumedAt });
    }
  } finally {
    await fh.close();
  }
  const stored = await o.client.post(`/v1/updates/uploads/${uploadId}/complete`, {}, o.ticket);
  if (stored.sha256 !== sha256) throw new CliFailure('RELEASE_UPLOAD_CORRUPT', `the fleet stored sha256 ${stored.sha256}, the file is ${sha256}`, EXIT.apiError);
  return { targetName: stored.targetName as string, length: stored.length as number, sha256, resumedAt };
}
