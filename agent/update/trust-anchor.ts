import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { Metadata, MetadataKind, type Root } from '@tufjs/models';
import { writeJsonAtomic } from './durable.ts';
import { updateError, UpdateFailure } from './errors.ts';

/** The box's first TUF root (`<root>/trust/root.json`), received at enrollment. */
export const trustAnchorPath = (root: string): string => join(root, 'trust', 'root.json');

/** The root the box trusts now, once it has refreshed metadata at least once (agent/update/trust.ts). */
const trustedRootPath = (root: string): string => join(root, 'update', 'tuf', 'root.json');

/**
 * Stores the repository root delivered with the box's credentials at enrollment (an
 * authenticated channel) as the trust anchor the updater starts from. It must be TUF root
 * metadata signed by its own root keys (threshold met). A box that already trusts a root
 * (it refreshed at least once) keeps it: later roots come through TUF's rotation only.
 * Returns false when the anchor was not needed.
 */
export async function installTrustAnchor(root: string, json: unknown): Promise<boolean> {
  let md: Metadata<Root>;
  try {
    md = Metadata.fromJSON(MetadataKind.Root, json as never);
    md.verifyDelegate('root', md);
  } catch (e) {
    throw new UpdateFailure(updateError('UPDATE_TUF_INVALID', `trust anchor: ${(e as Error).message}`));
  }
  if (await access(trustedRootPath(root)).then(() => true, () => false)) return false;
  await writeJsonAtomic(trustAnchorPath(root), md.toJSON());
  return true;
}
