import { parseArgs } from 'node:util';
import { processIo, type CliIo } from '../support/command.ts';
import { CliFailure, EXIT, FleetClient } from '../support/fleet-client.ts';
import { buildRelease } from './build.ts';
import { checkoutVersion } from './checkout.ts';
import { formatBytes, ProgressReporter, stderrSink, type ProgressSink } from './progress.ts';
import { publishRelease, type PublishedRelease } from './publish.ts';

const HELP = `usage: resabox release <command> [options]

commands:
  build     compile this checkout into a release folder: agent.mjs and launcher.mjs
            (JavaScript, no TypeScript at run time), the local pages, the native modules
            for this machine, manifest.json
      --out DIR [--version V] [--hardware H] [--channel stable] [--min-version 0.0.0]
  publish   build a bundle from this checkout (or take --bundle), check that enrolled boxes
            have its hardware model, upload it (resumable), sign the next targets.json with
            the targets key and upload it: the fleet signs snapshot and timestamp
      --keys DIR (--bundle FILE | --version V --hardware H [--channel stable] [--min-version 0.0.0])
      [--name TARGET_NAME] [--force] [--ticket ID] [--json] [--url URL] [--token TOKEN]

--version defaults to package.json's, --hardware (build only) to this machine's platform.
--url and --token default to RESABOX_URL and RESABOX_TOKEN (a support or admin token).
--force publishes a hardware model no enrolled box has. Progress goes to stderr: a bar on a
terminal, a line every 10 % otherwise, nothing with --json (one JSON object on stdout).
Exit codes: 0 published, 1 refused (coded error: RELEASE_HARDWARE_UNKNOWN, a fleet code...),
2 usage, 3 fleet unreachable. docs/updates.md walks through a release.`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  out: { type: 'string' },
  version: { type: 'string' },
  hardware: { type: 'string' },
  channel: { type: 'string', default: 'stable' },
  'min-version': { type: 'string', default: '0.0.0' },
  keys: { type: 'string' },
  bundle: { type: 'string' },
  name: { type: 'string' },
  force: { type: 'boolean' },
  ticket: { type: 'string' },
  json: { type: 'boolean' },
  url: { type: 'string' },
  token: { type: 'string' },
  'chunk-kib': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function usage(message: string): never {
  throw new CliFailure('CLI_USAGE', `${message}\n\n${HELP}`, EXIT.usage);
}

function summary(p: PublishedRelease): string {
  return [
    `published resabox ${p.version} for ${p.hardware} (${p.channel}, upgrades from ${p.minVersion})`,
    `  target     ${p.targetName}`,
    `  size       ${formatBytes(p.length)}, sha256 ${p.sha256}${p.resumedAt > 0 ? ` (upload resumed at ${formatBytes(p.resumedAt)})` : ''}`,
    `  signed     targets.json v${p.targetsVersion} by key ${p.signedBy.map((k) => k.slice(0, 16)).join(', ')}`,
    `  boxes      ${p.matchingBoxes} enrolled with hardware ${p.hardware}`,
    `next: roll it out from the dashboard (Releases), or resabox rollout create --name NAME --version ${p.version} --target-name ${p.targetName} --hardware ${p.hardware} --boxes ...`,
  ].join('\n');
}

async function publish(v: Values, io: CliIo, sink: ProgressSink): Promise<number> {
  const url = v.url ?? io.env.RESABOX_URL;
  const token = v.token ?? io.env.RESABOX_TOKEN;
  if (!url || !token) usage(`${!url ? 'the fleet address (--url or RESABOX_URL)' : 'an API token (--token or RESABOX_TOKEN)'} is required`);
  if (!v.keys) usage('--keys DIR (the folder with targets.key.json) is required');
  if (!v.bundle && !v.hardware) usage('--hardware H is required to build a bundle (or give --bundle FILE)');
  const quiet = v.json === true;
  const say = (t: string) => !quiet && io.out(t);
  const pack = new ProgressReporter('packing  ', sink, Date.now, quiet);
  const upload = new ProgressReporter('uploading', sink, Date.now, quiet);
  const chunkKib = v['chunk-kib'] === undefined ? undefined : Number(v['chunk-kib']);
  if (chunkKib !== undefined && (!Number.isInteger(chunkKib) || chunkKib < 1)) usage('--chunk-kib must be a positive integer');
  const published = await publishRelease({
    client: new FleetClient({ url, token, timeoutMs: 120_000 }),
    keysDir: v.keys,
    ...(v.bundle ? { bundle: v.bundle } : { build: { version: v.version ?? checkoutVersion(), hardware: v.hardware as string, channel: v.channel as string, minVersion: v['min-version'] as string } }),
    ...(v.name ? { name: v.name } : {}),
    force: v.force === true,
    ...(v.ticket ? { ticket: v.ticket } : {}),
    ...(chunkKib ? { chunkBytes: chunkKib * 1024 } : {}),
    onStep: (step) => {
      pack.done();
      say(step);
    },
    onPackProgress: (done, total) => pack.update(done, total),
    onUploadProgress: (p) => {
      if (p.resumedAt > 0 && p.done === p.resumedAt) say(`resuming the upload at ${formatBytes(p.resumedAt)} of ${formatBytes(p.total)}`);
      upload.update(p.done, p.total);
    },
  });
  upload.done();
  if (quiet) io.out(JSON.stringify(published));
  else io.out(summary(published));
  return EXIT.ok;
}

/** `resabox release build|publish`: returns the exit code, never throws. */
export async function runReleaseCommand(args: string[], io: CliIo = processIo, sink: ProgressSink = stderrSink): Promise<number> {
  try {
    let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
    try {
      parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (e) {
      return usage((e as Error).message);
    }
    const { values: v, positionals } = parsed;
    const command = positionals.join(' ');
    if (v.help || command === '') {
      (v.help ? io.out : io.err)(HELP);
      return v.help ? EXIT.ok : EXIT.usage;
    }
    switch (command) {
      case 'build': {
        if (!v.out) usage('--out DIR is required');
        const built = await buildRelease({ out: v.out, version: v.version ?? checkoutVersion(), hardware: v.hardware ?? `${process.platform}-${process.arch}`, channel: v.channel, minVersion: v['min-version'], onStep: (s) => io.out(s) });
        io.out(`wrote ${built.dir}: run it with node ${built.dir}/agent.mjs --config FILE (or under the launcher: node ${built.dir}/launcher.mjs --root DIR)`);
        return EXIT.ok;
      }
      case 'publish':
        return await publish(v, io, sink);
      default:
        return usage(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    if (e instanceof CliFailure) {
      io.err(`${e.code}${e.status ? ` (HTTP ${e.status})` : ''}: ${e.message}`);
      return e.exitCode;
    }
    io.err(`RELEASE_FAILED: ${(e as Error).message}`);
    return EXIT.apiError;
  }
}
