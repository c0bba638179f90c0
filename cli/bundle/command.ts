import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ProgressReporter, stderrSink } from '../release/progress.ts';
import { bundleManifest, createBundle } from './archive.ts';
import { generateSigningKey, loadKeys, saveKey, type RoleName } from '../../fleet/rollouts/tuf-keys.ts';
import { addTarget, initRepository, refreshTimestamp, rotateRoot } from '../../fleet/rollouts/tuf-repository.ts';
import { CliFailure, EXIT } from '../support/fleet-client.ts';

const HELP = `usage: resabox bundle <command> [options]

commands:
  create        compile this checkout into a release (agent and launcher as JavaScript,
                native modules for this machine) and pack it with manifest.json as
                tar.gz; or pack a prepared release folder (--source)
      --out FILE --version V --hardware H [--channel stable] [--min-version 0.0.0]
      [--source DIR] [--entry agent.mjs]
  sign          add a bundle to a TUF repository as a target and publish new
                targets, snapshot and timestamp metadata
      --repo DIR --keys DIR --bundle FILE [--name TARGET_NAME]
  timestamp     re-sign timestamp.json (run daily: boxes refuse an expired one)
      --repo DIR --keys DIR
  keys init     create root/targets/snapshot/timestamp Ed25519 keys and a new
                repository (root.json, 1.root.json, empty targets)
      --repo DIR --keys DIR [--root-keys 1] [--root-threshold 1]
  root rotate   sign root version N+1 with new root keys, signed by old and new
      --repo DIR --keys OLD_DIR --new-keys NEW_DIR [--root-keys 1] [--root-threshold 1]

Private keys are written with mode 0600; keep the root keys offline.
The repository layout is described in docs/updates.md.`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  out: { type: 'string' },
  version: { type: 'string' },
  hardware: { type: 'string' },
  channel: { type: 'string', default: 'stable' },
  'min-version': { type: 'string', default: '0.0.0' },
  source: { type: 'string' },
  entry: { type: 'string', default: 'agent.mjs' },
  repo: { type: 'string' },
  keys: { type: 'string' },
  'new-keys': { type: 'string' },
  bundle: { type: 'string' },
  name: { type: 'string' },
  'root-keys': { type: 'string', default: '1' },
  'root-threshold': { type: 'string', default: '1' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function need(v: Values, name: keyof Values): string {
  const value = v[name];
  if (typeof value !== 'string' || value.length === 0) throw new CliFailure('CLI_USAGE', `--${name} is required (resabox bundle --help)`, EXIT.usage);
  return value;
}

function count(v: Values, name: 'root-keys' | 'root-threshold'): number {
  const n = Number(v[name]);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new CliFailure('CLI_USAGE', `--${name} must be an integer from 1 to 16`, EXIT.usage);
  return n;
}

async function generateKeys(dir: string, roles: readonly RoleName[], rootKeys: number): Promise<void> {
  for (const role of roles) {
    if (role === 'root') for (let i = 1; i <= rootKeys; i++) console.log(`wrote ${await saveKey(dir, `root-${i}`, generateSigningKey('root'))}`);
    else console.log(`wrote ${await saveKey(dir, role, generateSigningKey(role))}`);
  }
}

export async function runBundleCommand(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliFailure('CLI_USAGE', `${(e as Error).message} (resabox bundle --help)`, EXIT.usage);
  }
  const { values: v, positionals } = parsed;
  const command = positionals.join(' ');
  if (v.help || command === '') {
    console.log(HELP);
    return v.help ? 0 : 2;
  }
  const now = Date.now();
  switch (command) {
    case 'create': {
      const bar = new ProgressReporter('packing', stderrSink);
      const m = await createBundle({
        source: v.source,
        out: need(v, 'out'),
        manifest: { version: need(v, 'version'), hardware: need(v, 'hardware'), channel: need(v, 'channel'), minVersion: need(v, 'min-version'), entry: need(v, 'entry') },
        onStep: (step) => console.log(step),
        onProgress: (done, total) => bar.update(done, total),
      });
      bar.done();
      console.log(`wrote ${v.out}: resabox-agent ${m.version} for ${m.hardware} (${m.channel}), from ${m.minVersion}`);
      return 0;
    }
    case 'sign': {
      const file = need(v, 'bundle');
      const m = await bundleManifest(file);
      const name = v.name ?? `resabox-${m.version}-${m.hardware}.tar.gz`;
      const keys = await loadKeys(need(v, 'keys'));
      const t = await addTarget({ repo: need(v, 'repo'), keys, now, file, name, custom: { version: m.version, hardware: m.hardware, channel: m.channel, minVersion: m.minVersion } });
      console.log(`published ${t.path} (${t.length} bytes, sha256 ${t.hashes.sha256}) from ${basename(file)}`);
      return 0;
    }
    case 'timestamp':
      await refreshTimestamp({ repo: need(v, 'repo'), keys: await loadKeys(need(v, 'keys')), now });
      console.log('timestamp re-signed');
      return 0;
    case 'keys init': {
      const dir = need(v, 'keys');
      await generateKeys(dir, ['root', 'targets', 'snapshot', 'timestamp'], count(v, 'root-keys'));
      await initRepository({ repo: need(v, 'repo'), keys: await loadKeys(dir), now, rootThreshold: count(v, 'root-threshold') });
      console.log(`repository created in ${v.repo}; ship ${join(v.repo ?? '', 'metadata', '1.root.json')} with the boxes as their trust anchor`);
      return 0;
    }
    case 'root rotate': {
      const old = await loadKeys(need(v, 'keys'));
      const newDir = need(v, 'new-keys');
      await generateKeys(newDir, ['root'], count(v, 'root-keys'));
      const fresh = await loadKeys(newDir);
      const version = await rotateRoot({ repo: need(v, 'repo'), now, oldRootKeys: old.root, newKeys: { ...old, root: fresh.root }, rootThreshold: count(v, 'root-threshold') });
      console.log(`root version ${version} published, signed by ${old.root.length} old and ${fresh.root.length} new root keys`);
      return 0;
    }
    default:
      console.error(`CLI_USAGE: resabox bundle: unknown command ${JSON.stringify(command)}\n\n${HELP}`);
      return 2;
  }
}
