import { pathToFileURL } from 'node:url';
import { ADMIN_COMMANDS } from './admin-commands.ts';
import { UsageError } from './args.ts';
import { ListenError } from '../broker/listeners.ts';
import { listenFailureLine, runUntilSignal, SERVE_HELP, SERVE_USAGE, serveOptions } from './serve.ts';

const TOP_HELP = `resabox-fleet: the RESABOX fleet service and its administration.

Usage: resabox-fleet <command> [flags]    (every command takes --help)

  ${SERVE_USAGE}
${Object.values(ADMIN_COMMANDS)
  .map((c) => `  ${c.usage}`)
  .join('\n')}

API documentation: docs/fleet-api.md, and /docs on a running fleet.`;

/** Runs one CLI invocation; resolves to the process exit code (0 ok, 1 failure, 2 usage). */
export async function runCli(argv: string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    out(TOP_HELP);
    return first === undefined ? 2 : 0;
  }
  if (first === 'serve') {
    const rest = argv.slice(1);
    if (rest.includes('--help') || rest.includes('-h')) {
      out(`Usage: resabox-fleet ${SERVE_USAGE}\n\n${SERVE_HELP}`);
      return 0;
    }
    try {
      await runUntilSignal(serveOptions(rest), (svc) => {
        out(`fleet API: ${svc.httpUrl} (docs ${svc.httpUrl}/docs)`);
        if (svc.fleet.broker) out(`embedded MQTT broker: ${JSON.stringify(svc.mqttAddresses)}`);
      });
      return 0;
    } catch (e) {
      return failure(e, `Usage: resabox-fleet ${SERVE_USAGE}\n\n${SERVE_HELP}`, err);
    }
  }
  // Commands are one word (migrate-store) or two (token create).
  const twoWords = ADMIN_COMMANDS[`${first} ${second ?? ''}`.trim()];
  const command = twoWords ?? ADMIN_COMMANDS[first];
  if (!command) {
    err(`unknown command: ${`${first} ${second ?? ''}`.trim()}\n\n${TOP_HELP}`);
    return 2;
  }
  const rest = argv.slice(twoWords ? 2 : 1);
  const help = `Usage: resabox-fleet ${command.usage}\n\n${command.help}`;
  if (rest.includes('--help') || rest.includes('-h')) {
    out(help);
    return 0;
  }
  try {
    await command.run(rest, out);
    return 0;
  } catch (e) {
    return failure(e, help, err);
  }
}

function failure(e: unknown, help: string, err: (line: string) => void): number {
  if (e instanceof UsageError) {
    err(`${e.message}\n\n${help}`);
    return 2;
  }
  if (e instanceof ListenError) {
    err(listenFailureLine(e));
    return 1;
  }
  err(`error: ${(e as Error).message}`);
  return 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runCli(process.argv.slice(2));
}
