import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata, MetadataKind, type Targets } from '@tufjs/models';
import type { BundleManifest } from '../../agent/update/manifest.ts';
import { loadKeys, tufKeyOf, type SigningKey } from '../../fleet/rollouts/tuf-keys.ts';
import { describeFile, metadataBytes, nextTargets, signMetadata } from '../../fleet/rollouts/tuf-repository.ts';
import { bundleManifest, createBundle } from '../bundle/archive.ts';
import { CliFailure, EXIT, type FleetClient } from '../support/fleet-client.ts';
import type { ReleaseSpec } from './build.ts';
import { uploadBundle, type UploadProgress } from './upload.ts';

export interface PublishOptions {
  client: FleetClient;
  /** Folder holding the targets key (`targets.key.json`), offline with the person who signs releases. */
  keysDir: string;
  /** A prepared bundle, or else what to build from this checkout. */
  bundle?: string;
  build?: ReleaseSpec;
  /** Target name in the repository; default resabox-<version>-<hardware>.tar.gz. */
  name?: string;
  /** Publish even when no enrolled box has the bundle's hardware model. */
  force?: boolean;
  ticket?: string;
  chunkBytes?: number;
  onStep?: (step: string) => void;
  onPackProgress?: (done: number, total: number) => void;
  onUploadProgress?: (p: UploadProgress) => void;
}

export interface PublishedRelease {
  targetName: string;
  version: string;
  hardware: string;
  channel: string;
  minVersion: string;
  length: number;
  sha256: string;
  /** Upload resumed from this byte (0: from the start). */
  resumedAt: number;
  targetsVersion: number;
  signedBy: string[];
  /** Enrolled boxes with this hardware model when it was published. */
  matchingBoxes: number;
}

/** The current targets.json, which must carry a valid signature of one of our targets keys. */
function verifiedTargets(bytes: Buffer, keys: readonly SigningKey[]): Metadata<Targets> {
  const md = Metadata.fromJSON(MetadataKind.Targets, JSON.parse(bytes.toString('utf8')) as never);
  const ours = keys.some((k) => {
    try {
      tufKeyOf(k).verifySignature(md);
      return true;
    } catch {
      return false;
    }
  });
  if (!ours) throw new CliFailure('RELEASE_TARGETS_UNTRUSTED', "the fleet's targets.json is not signed by the targets key given with --keys: refusing to sign over it (wrong keys folder, or the repository was changed by someone else)", EXIT.apiError);
  return md;
}

/**
 * `resabox release publish`: build (or take) a bundle, check that enrolled boxes have its
 * hardware model, upload it resumably, sign the next targets.json with the targets key
 * (offline, here) and upload it; the fleet verifies it and signs a new snapshot and
 * timestamp with its online keys. Every refusal is a CliFailure with a code.
 */
export async function publishRelease(o: PublishOptions): Promise<PublishedRelease> {
  const keys = (await loadKeys(o.keysDir).catch((e: Error) => {
    throw new CliFailure('RELEASE_KEYS_INVALID', `--keys ${o.keysDir}: ${e.message}`, EXIT.usage);
  })).targets;
  if (keys.length === 0) throw new CliFailure('RELEASE_KEYS_INVALID', `--keys ${o.keysDir}: no targets key (targets.key.json)`, EXIT.usage);
  const work = await mkdtemp(join(tmpdir(), 'resabox-publish-'));
  try {
    let file = o.bundle;
    let manifest: BundleManifest;
    if (file) manifest = await bundleManifest(file);
    else {
      if (!o.build) throw new CliFailure('CLI_USAGE', 'give --bundle FILE, or --version and --hardware to build one', EXIT.usage);
      file = join(work, 'bundle.tar.gz');
      manifest = await createBundle({ out: file, manifest: { channel: 'stable', minVersion: '0.0.0', ...o.build }, ...(o.onStep ? { onStep: o.onStep } : {}), ...(o.onPackProgress ? { onProgress: o.onPackProgress } : {}) });
    }
    const models = (await o.client.get('/v1/updates/hardware')).models as { hardware: string; boxes: number }[];
    const matchingBoxes = models.find((m) => m.hardware === manifest.hardware)?.boxes ?? 0;
    if (matchingBoxes === 0 && !o.force) {
      const known = models.map((m) => `${m.hardware} (${m.boxes})`).join(', ') || 'none reported yet';
      throw new CliFailure('RELEASE_HARDWARE_UNKNOWN', `no enrolled box has hardware model ${manifest.hardware}; the boxes have: ${known}. Rebuild with the right --hardware, or publish anyway with --force`, EXIT.apiError);
    }
    o.onStep?.(`hardware model ${manifest.hardware}: ${matchingBoxes} enrolled box(es)`);
    const name = o.name ?? `resabox-${manifest.version}-${manifest.hardware}.tar.gz`;
    o.onStep?.(`uploading ${name}`);
    const uploaded = await uploadBundle({ client: o.client, file, name, ...(o.ticket ? { ticket: o.ticket } : {}), ...(o.chunkBytes ? { chunkBytes: o.chunkBytes } : {}), ...(o.onUploadProgress ? { onProgress: o.onUploadProgress } : {}) });
    const current = await o.client.getBytes('/repository/metadata/targets.json');
    if (!current) throw new CliFailure('RELEASE_NO_REPOSITORY', 'the fleet serves no targets.json: create its repository first (docs/updates.md)', EXIT.apiError);
    const next = nextTargets(verifiedTargets(current, keys).signed, { name, ...(await describeFile(file)), custom: { version: manifest.version, hardware: manifest.hardware, channel: manifest.channel, minVersion: manifest.minVersion } }, Date.now());
    o.onStep?.(`signing targets.json version ${next.version} with the targets key`);
    const answer = await o.client.putBytes('/v1/updates/metadata/targets.json', metadataBytes(signMetadata(next, keys)), {}, o.ticket);
    if (!answer.published) throw new CliFailure('RELEASE_FLEET_NOT_SIGNING', 'the fleet holds no online keys (snapshot, timestamp): start it with --repository-keys, or sign those offline (resabox bundle)', EXIT.apiError);
    return { targetName: name, version: manifest.version, hardware: manifest.hardware, channel: manifest.channel, minVersion: manifest.minVersion, length: uploaded.length, sha256: uploaded.sha256, resumedAt: uploaded.resumedAt, targetsVersion: answer.published.targetsVersion as number, signedBy: answer.published.signedBy as string[], matchingBoxes };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
