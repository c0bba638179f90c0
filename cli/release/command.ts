import { parseArgs } from 'node:util';
import { buildRelease } from './build.ts';
import { checkoutVersion } from './checkout.ts';

const HELP = `usage: resabox release <command> [options]

commands:
  build     compile this checkout into a release folder: agent.mjs and launcher.mjs
            (JavaScript, no TypeScript at run time), the local pages, the native modules
            for this machine, manifest.json
      --out DIR [--version V] [--hardware H] [--channel stable] [--min-version 0.0.0]

--version defaults to package.json's, --hardware to this machine's platform (${process.platform}-${process.arch}).
docs/updates.md explains releases, bundles and keys.`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  out: { type: 'string' },
  version: { type: 'string' },
  hardware: { type: 'string' },
  channel: { type: 'string', default: 'stable' },
  'min-version': { type: 'string', default: '0.0.0' },
} as const;

export async function runReleaseCommand(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    console.error(`CLI_USAGE: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  const command = positionals.join(' ');
  if (v.help || command === '') {
    (v.help ? console.log : console.error)(HELP);
    return v.help ? 0 : 2;
  }
  switch (command) {
    case 'build': {
      if (!v.out) {
        console.error(`CLI_USAGE: --out DIR is required\n\n${HELP}`);
        return 2;
      }
      const built = await buildRelease({ out: v.out, version: v.version ?? checkoutVersion(), hardware: v.hardware ?? `${process.platform}-${process.arch}`, channel: v.channel, minVersion: v['min-version'], onStep: (s) => console.log(s) });
      console.log(`wrote ${built.dir}: run it with node ${built.dir}/agent.mjs --config FILE (or under the launcher: node ${built.dir}/launcher.mjs --root DIR)`);
      return 0;
    }
    default:
      console.error(`resabox release: unknown command ${JSON.stringify(command)}\n\n${HELP}`);
      return 2;
  }
}
