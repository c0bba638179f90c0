import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateSigningKey, loadKeys, saveKey } from '../fleet/rollouts/tuf-keys.ts';
import { initRepository } from '../fleet/rollouts/tuf-repository.ts';

export interface DemoUpdateKeys {
  /** Offline keys (root, targets): what the person who signs releases keeps; `release publish --keys`. */
  readonly releaseKeysDir: string;
  /** Online keys (snapshot, timestamp): the fleet re-signs with them. */
  readonly fleetKeysDir: string;
  /** The fleet's TUF repository (served at /repository). */
  readonly repositoryDir: string;
}

/**
 * The demo's update repository and its keys, created once in the data folder so that a
 * fresh `npm start` is update-ready: root and targets keys in `keys/` (offline in real
 * life), snapshot and timestamp keys in `fleet-keys/` (the fleet's online roles), and the
 * repository (root v1, empty targets) in `repository/`. A restarted demo keeps them.
 */
export async function ensureDemoUpdateKeys(dataDir: string, now: number): Promise<DemoUpdateKeys> {
  const out = { releaseKeysDir: join(dataDir, 'keys'), fleetKeysDir: join(dataDir, 'fleet-keys'), repositoryDir: join(dataDir, 'repository') };
  if (existsSync(join(out.repositoryDir, 'metadata', 'root.json'))) return out;
  if (!existsSync(join(out.releaseKeysDir, 'root-1.key.json'))) {
    await saveKey(out.releaseKeysDir, 'root-1', generateSigningKey('root'));
    await saveKey(out.releaseKeysDir, 'targets', generateSigningKey('targets'));
    await saveKey(out.fleetKeysDir, 'snapshot', generateSigningKey('snapshot'));
    await saveKey(out.fleetKeysDir, 'timestamp', generateSigningKey('timestamp'));
  }
  const release = await loadKeys(out.releaseKeysDir);
  const online = await loadKeys(out.fleetKeysDir);
  await initRepository({ repo: out.repositoryDir, keys: { ...release, snapshot: online.snapshot, timestamp: online.timestamp }, now, rootThreshold: 1 });
  return out;
}
