import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tar from 'tar';
import { updateError, UpdateFailure } from './errors.ts';
import { MANIFEST_FILE, parseManifest, type BundleManifest } from './manifest.ts';

/** Decompressed size limit: a signed bundle could still be a gzip bomb. */
export const MAX_UNPACKED_BYTES = 1024 * 1024 * 1024;

export function releaseDir(root: string, version: string): string {
  return join(root, 'releases', version);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** Reads and checks a release directory's manifest; null when absent or invalid. */
export async function readReleaseManifest(dir: string): Promise<BundleManifest | null> {
  try {
    const m = parseManifest(JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')));
    return typeof m === 'string' ? null : m;
  } catch {
    return null;
  }
}

/**
 * Unpacks a verified bundle into `releases/<version>/`: into `<version>.unpacking` first,
 * then one rename, so `releases/<version>` only ever exists complete. Idempotent: an
 * existing complete release of that version is kept.
 */
export async function unpackRelease(root: string, bundlePath: string, expect: { version: string; hardware: string }, maxBytes = MAX_UNPACKED_BYTES): Promise<string> {
  const dest = releaseDir(root, expect.version);
  const existing = await readReleaseManifest(dest);
  if (existing && existing.version === expect.version && existing.hardware === expect.hardware) return dest;
  const work = `${dest}.unpacking`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  let total = 0;
  let tooBig = false;
  try {
    await tar.x({
      file: bundlePath,
      cwd: work,
      strict: true,
      preservePaths: false,
      filter: (_path, entry) => {
        total += (entry as { size?: number }).size ?? 0;
        if (total > maxBytes) tooBig = true;
        return !tooBig;
      },
    });
  } catch (e) {
    await rm(work, { recursive: true, force: true });
    throw new UpdateFailure(updateError('UPDATE_BAD_BUNDLE', `cannot unpack: ${(e as Error).message}`));
  }
  if (tooBig) {
    await rm(work, { recursive: true, force: true });
    throw new UpdateFailure(updateError('UPDATE_BAD_BUNDLE', `unpacks to more than ${maxBytes} bytes`));
  }
  const manifest = await readReleaseManifest(work);
  const problem = !manifest ? 'no valid manifest.json' : manifest.version !== expect.version ? `manifest says ${manifest.version}` : manifest.hardware !== expect.hardware ? `manifest is for ${manifest.hardware}` : !(await exists(join(work, manifest.entry))) ? `entry ${manifest.entry} missing` : null;
  if (problem) {
    await rm(work, { recursive: true, force: true });
    throw new UpdateFailure(updateError(manifest && manifest.hardware !== expect.hardware ? 'UPDATE_WRONG_HARDWARE' : 'UPDATE_BAD_BUNDLE', problem));
  }
  await rm(dest, { recursive: true, force: true });
  await rename(work, dest);
  return dest;
}
