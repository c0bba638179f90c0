import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { apiError } from '../api/errors.ts';
import { isArtifactName, type StoredFile } from './artifact-repository.ts';
import { syncFile } from './durable-file.ts';

export interface UploadSpec {
  name: string;
  length: number;
  sha256: string;
}

export interface UploadState extends UploadSpec {
  uploadId: string;
  /** Bytes the fleet holds so far: the client sends the rest from there. */
  received: number;
}

/**
 * Resumable uploads of large bundles into the repository's targets/: the client declares
 * the file (name, length, sha256), then sends it in chunks, each appended at the offset the
 * fleet reports; a broken connection costs at most the chunk in flight, and the client (or
 * a new run of it) resumes from `received`. The upload id is derived from the declaration,
 * so the same file resumes the same upload. Completion checks length and sha256, then
 * renames the file into targets/ in one step.
 */
export class ArtifactUploads {
  private readonly dir: string;
  private readonly busy = new Set<string>();

  constructor(
    private readonly repositoryRoot: string,
    private readonly maxBytes: number,
  ) {
    this.dir = join(repositoryRoot, '.uploads');
    mkdirSync(this.dir, { recursive: true });
  }

  private paths(uploadId: string) {
    if (!/^up-[0-9a-f]{32}$/.test(uploadId)) throw apiError('UPLOAD_NOT_FOUND');
    return { part: join(this.dir, `${uploadId}.part`), spec: join(this.dir, `${uploadId}.json`) };
  }

  private async spec(uploadId: string): Promise<UploadSpec> {
    try {
      return JSON.parse(await readFile(this.paths(uploadId).spec, 'utf8')) as UploadSpec;
    } catch {
      throw apiError('UPLOAD_NOT_FOUND');
    }
  }

  private async received(uploadId: string): Promise<number> {
    return stat(this.paths(uploadId).part).then((s) => s.size, () => 0);
  }

  /** Declares an upload (or finds the one under way for the same file): where to resume from. */
  async start(s: UploadSpec): Promise<UploadState> {
    if (!isArtifactName(s.name)) throw apiError('ARTIFACT_NAME_INVALID');
    if (s.length > this.maxBytes) throw apiError('ARTIFACT_TOO_LARGE', `the file is ${s.length} bytes, the limit is ${this.maxBytes}`, { maxBytes: this.maxBytes });
    const uploadId = `up-${createHash('sha256').update(`${s.name}\n${s.length}\n${s.sha256}`).digest('hex').slice(0, 32)}`;
    const p = this.paths(uploadId);
    await writeFile(p.spec, JSON.stringify({ name: s.name, length: s.length, sha256: s.sha256 }));
    return { uploadId, ...s, received: await this.received(uploadId) };
  }

  /** Appends a chunk that must start exactly at `received`; answers the new `received`. */
  async append(uploadId: string, start: number, body: Readable): Promise<UploadState> {
    const s = await this.spec(uploadId);
    if (this.busy.has(uploadId)) {
      body.resume();
      throw apiError('UPLOAD_OFFSET_MISMATCH', 'another chunk of this upload is being received', { received: await this.received(uploadId) });
    }
    this.busy.add(uploadId);
    try {
      const have = await this.received(uploadId);
      if (start !== have) {
        body.resume();
        throw apiError('UPLOAD_OFFSET_MISMATCH', `the chunk starts at ${start}, the fleet has ${have} bytes`, { received: have });
      }
      let length = have;
      const cap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          length += chunk.length;
          if (length > s.length) return done(apiError('UPLOAD_TOO_LONG', `more bytes than the declared ${s.length}`, { received: have }));
          done(null, chunk);
        },
      });
      const p = this.paths(uploadId);
      // What arrived before a broken connection is kept: the client resumes after it.
      await pipeline(body, cap, createWriteStream(p.part, { flags: 'a' })).catch(async (e: unknown) => {
        body.resume();
        if ((e as { code?: string }).code === 'UPLOAD_TOO_LONG') await rm(p.part, { force: true });
        throw e;
      });
      await syncFile(p.part);
      return { uploadId, ...s, received: await this.received(uploadId) };
    } finally {
      this.busy.delete(uploadId);
    }
  }

  /** Checks the whole file against the declaration and moves it into targets/. */
  async complete(uploadId: string): Promise<{ name: string } & StoredFile> {
    const s = await this.spec(uploadId);
    const p = this.paths(uploadId);
    const have = await this.received(uploadId);
    if (have !== s.length) throw apiError('UPLOAD_INCOMPLETE', `the fleet has ${have} of ${s.length} bytes`, { received: have });
    const sha256 = createHash('sha256');
    const sha512 = createHash('sha512');
    for await (const chunk of createReadStream(p.part)) {
      sha256.update(chunk as Buffer);
      sha512.update(chunk as Buffer);
    }
    const got = sha256.digest('hex');
    if (got !== s.sha256) {
      await rm(p.part, { force: true });
      throw apiError('UPLOAD_HASH_MISMATCH', `the received bytes hash to ${got}, not the declared ${s.sha256}: the upload starts again from zero`);
    }
    await rename(p.part, join(this.repositoryRoot, 'targets', s.name));
    await rm(p.spec, { force: true });
    return { name: s.name, length: s.length, sha256: got, sha512: sha512.digest('hex') };
  }
}
