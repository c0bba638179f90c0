import { copyFile, mkdir, access } from 'node:fs/promises';
import { join } from 'node:path';
import { Updater } from 'tuf-js';
import { updateError, UpdateFailure, type UpdateError } from './errors.ts';
import { HttpFetcher } from './http-get.ts';

/** A target as listed by TUF-verified metadata: what the download must match exactly. */
export interface VerifiedTarget {
  name: string;
  length: number;
  hashes: Record<string, string>;
  custom: { version?: unknown; hardware?: unknown; channel?: unknown; minVersion?: unknown };
}

export interface TrustOptions {
  /** Repository base URL (the job's `repositoryUrl`); metadata/ and targets/ hang below it. */
  repositoryUrl: string;
  /** Where the box keeps the metadata it trusts (survives restarts: that is rollback protection). */
  metadataDir: string;
  /** root.json shipped with the box: the trust anchor used the first time only. */
  trustAnchor: string;
  fetchTimeoutMs?: number;
}

export function repositoryUrls(repositoryUrl: string): { metadata: string; targets: string } {
  const base = repositoryUrl.endsWith('/') ? repositoryUrl : `${repositoryUrl}/`;
  return { metadata: `${base}metadata/`, targets: `${base}targets/` };
}

/**
 * Refreshes TUF metadata (root rotation, timestamp, snapshot, targets: versions, expiry,
 * thresholds, length bounds) and returns the entry of `targetName`. Every refusal comes
 * back as an UpdateFailure with a coded error.
 */
export async function resolveTarget(o: TrustOptions, targetName: string): Promise<VerifiedTarget> {
  await mkdir(o.metadataDir, { recursive: true });
  const trusted = join(o.metadataDir, 'root.json');
  if (!(await access(trusted).then(() => true, () => false))) await copyFile(o.trustAnchor, trusted);
  const urls = repositoryUrls(o.repositoryUrl);
  try {
    const updater = new Updater({
      metadataDir: o.metadataDir,
      metadataBaseUrl: urls.metadata,
      targetBaseUrl: urls.targets,
      config: { fetchTimeout: o.fetchTimeoutMs ?? 30_000, fetchRetry: 0 },
      fetcher: new HttpFetcher(o.fetchTimeoutMs ?? 30_000),
    });
    await updater.refresh();
    const info = await updater.getTargetInfo(targetName);
    if (!info) throw new UpdateFailure(updateError('UPDATE_TARGET_UNKNOWN', targetName));
    const custom = (info.unrecognizedFields.custom ?? {}) as VerifiedTarget['custom'];
    return { name: info.path, length: info.length, hashes: { ...info.hashes }, custom: typeof custom === 'object' && custom !== null ? custom : {} };
  } catch (e) {
    if (e instanceof UpdateFailure) throw e;
    throw new UpdateFailure(classifyTufError(e));
  }
}

/** Maps tuf-js refusals (some wrapped in a RuntimeError's text) to our codes. */
export function classifyTufError(e: unknown): UpdateError {
  const name = (e as Error)?.constructor?.name ?? '';
  const text = `${name}: ${(e as Error)?.message ?? String(e)}`;
  if (/less than current|Expected version \d+, got/.test(text)) return updateError('UPDATE_TUF_ROLLBACK', text);
  if (/expired/i.test(text)) return updateError('UPDATE_TUF_EXPIRED', text);
  if (/Max length reached|DownloadLengthMismatch|Expected length/.test(text)) return updateError('UPDATE_TUF_TOO_LARGE', text);
  if (/does not match snapshot version|doesn't match timestamp|Expected hash|Missing \S+ in (new )?snapshot/.test(text)) return updateError('UPDATE_TUF_MIX_AND_MATCH', text);
  if (/signed by \d+\/\d+ keys|signature|Unsigned/i.test(text)) return updateError('UPDATE_TUF_BAD_SIGNATURE', text);
  if (/Failed to download|fetch failed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|aborted|timeout/i.test(text)) return updateError('UPDATE_TUF_UNREACHABLE', text);
  return updateError('UPDATE_TUF_INVALID', text);
}
