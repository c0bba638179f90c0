import { readlink, rename, rm, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { syncDir } from '../update/durable.ts';

/**
 * Points `<root>/current` at `releases/<version>` atomically: a new link `current.new`
 * is renamed over `current` (rename(2) replaces a symlink in one step), then the
 * directory is fsync'd. At every instant `current` is either the old or the new link.
 */
export async function switchCurrent(root: string, version: string): Promise<void> {
  const next = join(root, 'current.new');
  await rm(next, { force: true });
  await symlink(join('releases', version), next);
  await rename(next, join(root, 'current'));
  await syncDir(root);
}

/** Version `current` points at, or null when there is no link. */
export async function currentVersion(root: string): Promise<string | null> {
  try {
    return basename(await readlink(join(root, 'current')));
  } catch {
    return null;
  }
}
