import { parseArgs } from 'node:util';
import { systemClock } from '../../platform/clock.ts';
import { createLogger } from '../../platform/log.ts';
import { AGENT_HEAP_MB, agentNodeArgs, Launcher } from './launcher.ts';

const HELP = `resabox-launcher: runs the box's current release and supervises it (trial boot, rollback)

Usage:
  resabox-launcher [--root DIR] [--crash-loop N/S] [--health-timeout S] [--trial S]
                   [--agent-heap MB] [--agent-optimize]

Options:
  --root DIR            the box's root: current, releases/, launcher/, update/, trust/
                        (env RESABOX_ROOT, default /var/lib/resabox)
  --crash-loop N/S      a release on trial that exits N times within S seconds is
                        rolled back (default 3/60)
  --health-timeout S    a release on trial must report a passed self-test within S
                        seconds (default 60)
  --trial S             ...and keep running S seconds from its start to be kept (default 120)
  --agent-heap MB       the agent's V8 old-generation limit (default ${AGENT_HEAP_MB}; about 1.2 KB
                        a member: raise it for a box with more than 150,000 members)
  --agent-optimize      let V8 optimize the agent's hot code (TurboFan): faster, and about
                        10 MB more resident memory (default off: docs/updates.md, section 5)
  --help                this help

The agent (node <root>/current/<entry>) gets RESABOX_ROOT, RESABOX_RELEASE_DIR and
RESABOX_RELEASE_VERSION; its configuration comes from RESABOX_CONFIG. Exit codes: 0 on
SIGTERM/SIGINT, 64 bad command line. Reference: docs/updates.md`;

function seconds(text: string | undefined, name: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number of seconds, got ${JSON.stringify(text)}`);
  return n * 1000;
}

/** `resabox-launcher --root /var/lib/resabox`: the systemd service's entry point. */
function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      root: { type: 'string', default: process.env.RESABOX_ROOT ?? '/var/lib/resabox' },
      'crash-loop': { type: 'string', default: '3/60' },
      'health-timeout': { type: 'string', default: '60' },
      trial: { type: 'string', default: '120' },
      'agent-heap': { type: 'string', default: String(AGENT_HEAP_MB) },
      'agent-optimize': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const loop = /^(\d+)\/(\d+)$/.exec(values['crash-loop'] ?? '');
  const heapMb = Number(values['agent-heap']);
  if (!Number.isInteger(heapMb) || heapMb < 64) throw new Error(`--agent-heap must be a whole number of MB, at least 64, got ${JSON.stringify(values['agent-heap'])}`);
  if (!loop) throw new Error(`--crash-loop must be N/S (crashes/seconds), got ${JSON.stringify(values['crash-loop'])}`);
  return {
    help: values.help === true,
    root: values.root as string,
    crashLoop: { crashes: Number(loop[1]) || 3, withinMs: (Number(loop[2]) || 60) * 1000 },
    healthTimeoutMs: seconds(values['health-timeout'], 'health-timeout'),
    trialMs: seconds(values.trial, 'trial'),
    nodeArgs: agentNodeArgs(heapMb, values['agent-optimize'] === true),
  };
}

let o: ReturnType<typeof options>;
try {
  o = options(process.argv.slice(2));
} catch (e) {
  console.error(`${(e as Error).message}\n\n${HELP}`);
  process.exit(64);
}
if (o.help) {
  console.log(HELP);
  process.exit(0);
}
const launcher = new Launcher({ root: o.root, clock: systemClock, log: createLogger('launcher'), crashLoop: o.crashLoop, healthTimeoutMs: o.healthTimeoutMs, trialMs: o.trialMs, nodeArgs: o.nodeArgs });
for (const sig of ['SIGTERM', 'SIGINT'] as const)
  process.once(sig, () => {
    void launcher.stop().then(() => process.exit(0));
  });
await launcher.start();
