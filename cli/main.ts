import { runBundleCommand } from './bundle/command.ts';
import { runReleaseCommand } from './release/command.ts';
import { CliFailure, EXIT } from './support/fleet-client.ts';
import { SUPPORT_AREAS, supportRunner } from './support/index.ts';

/**
 * `resabox <area> <command> [options]`. Each area registers one runner here; the support
 * CLI adds `boxes`, etc. A runner returns the process exit code.
 */
const AREAS: Record<string, { summary: string; run: (args: string[]) => Promise<number> }> = {
  release: { summary: 'build agent releases (compiled JavaScript) and publish them to the fleet', run: runReleaseCommand },
  bundle: {
    summary: 'pack and sign bundles in a local TUF repository (offline keys)',
    run: (args) =>
      runBundleCommand(args).catch((e: unknown) => {
        throw e instanceof CliFailure ? e : new CliFailure('BUNDLE_FAILED', (e as Error).message, EXIT.apiError);
      }),
  },
  ...Object.fromEntries(SUPPORT_AREAS.map((a) => [a.name, { summary: a.summary, run: supportRunner(a) }])),
};

function usage(): string {
  return ['usage: resabox <area> <command> [options]', '', 'areas:', ...Object.entries(AREAS).map(([k, v]) => `  ${k.padEnd(10)} ${v.summary}`), '', 'resabox <area> --help for its commands'].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [area, ...rest] = argv;
  if (!area || area === '--help' || area === '-h') {
    console.log(usage());
    return area ? 0 : 2;
  }
  const entry = AREAS[area];
  if (!entry) {
    console.error(`CLI_USAGE: resabox: unknown area ${JSON.stringify(area)}\n\n${usage()}`);
    return 2;
  }
  return entry.run(rest);
}

process.exitCode = await main(process.argv.slice(2)).catch((e: Error) => {
  // Every line the CLI prints on failure starts with a code of its catalog (cli/support/errors.ts).
  if (e instanceof CliFailure) {
    console.error(`${e.code}: ${e.message}`);
    return e.exitCode;
  }
  console.error(`CLI_INTERNAL: ${e.message}`);
  return EXIT.apiError;
});
