import { parseArgs } from 'node:util';
import { systemClock } from '../../platform/clock.ts';
import { createLogger } from '../../platform/log.ts';
import { Launcher } from './launcher.ts';

/** `resabox-launcher --root /var/lib/resabox`: the systemd service's entry point. */
const { values } = parseArgs({
  options: {
    root: { type: 'string', default: process.env.RESABOX_ROOT ?? '/var/lib/resabox' },
    'crash-loop': { type: 'string', default: '3/60' },
    'health-timeout': { type: 'string', default: '60' },
    trial: { type: 'string', default: '120' },
  },
});
const [crashes, within] = (values['crash-loop'] ?? '3/60').split('/').map(Number);
const launcher = new Launcher({
  root: values.root as string,
  clock: systemClock,
  log: createLogger('launcher'),
  crashLoop: { crashes: crashes || 3, withinMs: (within || 60) * 1000 },
  healthTimeoutMs: Number(values['health-timeout']) * 1000,
  trialMs: Number(values.trial) * 1000,
});
for (const sig of ['SIGTERM', 'SIGINT'] as const)
  process.once(sig, () => {
    void launcher.stop().then(() => process.exit(0));
  });
await launcher.start();
