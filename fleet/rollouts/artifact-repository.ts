import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { apiError } from '../api/errors.ts';
import { syncFile } from './durable-file.ts';

/** One path segment: no slash, no leading dot (so never ".." nor a hidden temp file). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/;
/** The metadata files a TUF repository without consistent snapshots serves (docs/updates.md). */
const METADATA_NAME = /^(root|targets|snapshot|timestamp|[1-9][0-9]{0,8}\.root)\.json$/;

export type RepositoryArea = 'metadata' | 'targets';

export interface StoredFile {
  length: number;
  sha256: string;
  sha512: string;
}

export const isArtifactName = (name: string): boolean => NAME.test(name);
export const isMetadataName = (name: string): boolean => METADATA_NAME.test(name);

/**
 * The TUF repository directory the fleet serves: `metadata/` and `targets/`. Uploads are
 * streamed into `.incoming/` (same filesystem) with a size cap and hashed on the way,
 * flushed, then renamed into place: a reader sees the old file or the whole new one,
 * never a partial one.
 */
export class ArtifactRepository {
  private readonly incoming: string;

  constructor(readonly root: string) {
    this.incoming = join(root, '.incoming');
    for (const d of ['metadata', 'targets', '.incoming']) mkdirSync(join(root, d), { recursive: true });
  }

  /** The file's path and size, or undefined for an unknown or ill-formed name. */
  locate(area: RepositoryArea, name: string): { path: string; size: number } | undefined {
    if (area === 'metadata' ? !isMetadataName(name) : !isArtifactName(name)) return undefined;
    const path = join(this.root, area, name);
    try {
      const st = statSync(path);
      return st.isFile() ? { path, size: st.size } : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The repository's newest root (`metadata/root.json`), parsed: the trust anchor a box
   * receives with its credentials at enrollment. null while the repository has none.
   */
  trustRoot(): Record<string, unknown> | null {
    const file = this.locate('metadata', 'root.json');
    if (!file) return null;
    try {
      const json: unknown = JSON.parse(readFileSync(file.path, 'utf8'));
      return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }

  /**
   * Streams `body` into `area/name`. More than `maxBytes` (declared or actually sent)
   * fails ARTIFACT_TOO_LARGE and leaves nothing behind.
   */
  async receive(area: RepositoryArea, name: string, body: Readable, maxBytes: number, declaredLength: number | undefined): Promise<StoredFile> {
    if (area === 'metadata' ? !isMetadataName(name) : !isArtifactName(name)) throw apiError('ARTIFACT_NAME_INVALID');
    if (declaredLength !== undefined && declaredLength > maxBytes) {
      body.resume();
      throw apiError('ARTIFACT_TOO_LARGE', `the body is ${declaredLength} bytes, the limit is ${maxBytes}`, { maxBytes });
    }
    const temp = join(this.incoming, `${randomBytes(8).toString('hex')}.part`);
    const sha256 = createHash('sha256');
    const sha512 = createHash('sha512');
    let length = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        length += chunk.length;
        if (length > maxBytes) return done(apiError('ARTIFACT_TOO_LARGE', `the body exceeds the limit of ${maxBytes} bytes`, { maxBytes }));
        sha256.update(chunk);
        sha512.update(chunk);
        done(null, chunk);
      },
    });
    const out = createWriteStream(temp, { flags: 'wx' });
    const written = pipeline(meter, out);
    // The request stream is piped by hand, not through pipeline(): an overflow must stop
    // the file, not destroy the request, so that the client still reads our 413.
    const gone = () => {
      if (!body.readableEnded) meter.destroy(apiError('API_BAD_REQUEST', 'the upload was interrupted'));
    };
    body.once('error', gone);
    body.once('close', gone);
    body.pipe(meter);
    try {
      await written;
      await syncFile(temp);
      await rename(temp, join(this.root, area, name));
    } catch (e) {
      body.unpipe(meter);
      await rm(temp, { force: true });
      // Drain what the client still sends so that it reads our answer instead of a reset.
      body.resume();
      throw e;
    } finally {
      body.off('error', gone);
      body.off('close', gone);
    }
    return { length, sha256: sha256.digest('hex'), sha512: sha512.digest('hex') };
  }
}
