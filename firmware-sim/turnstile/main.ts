import { createInterface } from 'node:readline';
import { systemClock } from '../../platform/clock.ts';
import { listenTcpLink, openSerialLink, type ClosableLink } from '../links.ts';
import { createTurnstileSim, type SimDirection } from './index.ts';

/*
 * Runs the simulated turnstile module on a serial line (a pty end, a real RS-485 adapter) or
 * a TCP port, and takes commands on stdin:
 *   npx tsx firmware-sim/turnstile/main.ts --serial /dev/pts/7 [--baud 9600] [--unit 1] [--mode pulse|potential] [--line-baud 9600]
 *   npx tsx firmware-sim/turnstile/main.ts --tcp 5020
 * Commands: pass <in|out> <ms> | walk-away <in|out> | tailgate <in|out> | force <in|out>
 *           fire <on|off> | silent <on|off> | exception <code|off> | delay <ms> | status | quit
 */
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

const serial = arg('serial');
const tcp = arg('tcp');
if (!serial && !tcp) {
  console.error('usage: main.ts --serial <path> [--baud 9600] | --tcp <port>   [--unit 1] [--mode pulse|potential] [--line-baud 9600]');
  process.exit(2);
}
const link: ClosableLink = serial ? await openSerialLink(serial, Number(arg('baud') ?? 9600)) : await listenTcpLink(Number(tcp));
const mode = arg('mode') === 'potential' ? 'potential' : 'pulse';
const lineBaud = Number(arg('line-baud') ?? 0);
const sim = createTurnstileSim(link, systemClock, { unit: Number(arg('unit') ?? 1), mode, seed: Date.now(), ...(lineBaud > 0 ? { lineBaud } : {}) });
sim.onPass((direction, kind) => console.log(`PASS ${direction} (${kind})`));
sim.module.onCoilChange((address, on) => console.log(`coil ${address} ${on ? 'on' : 'off'}`));
console.log(`turnstile module on ${serial ?? `tcp:${tcp}`}, unit ${arg('unit') ?? 1}, ${mode} mode; type commands (pass in 800, fire on, silent on, quit)`);

const dir = (s: string | undefined): SimDirection => (s === 'out' ? 'out' : 'in');
const onOff = (s: string | undefined): boolean => s === 'on';
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, a, b] = line.trim().split(/\s+/);
  switch (cmd) {
    case 'pass':
      sim.nextPerson(dir(a), { kind: 'pass', afterMs: Number(b ?? 800) });
      break;
    case 'walk-away':
      sim.nextPerson(dir(a), { kind: 'walk-away' });
      break;
    case 'tailgate':
      sim.tailgateNext(dir(a));
      break;
    case 'force':
      sim.forcePassage(dir(a));
      break;
    case 'fire':
      sim.setFireAlarm(onOff(a));
      break;
    case 'silent':
      sim.goSilent(onOff(a));
      break;
    case 'exception':
      sim.answerWithException(a === 'off' || a === undefined ? null : Number(a));
      break;
    case 'delay':
      sim.module.faults.replyDelayMs = Number(a ?? 0);
      break;
    case 'status':
      console.log(JSON.stringify({ open: { in: sim.isOpen('in'), out: sim.isOpen('out') }, coils: [sim.module.coil(0), sim.module.coil(1)], faults: sim.module.faults, stats: sim.module.stats }));
      break;
    case 'quit':
      sim.dispose();
      await link.close();
      process.exit(0);
      break;
    case '':
    case undefined:
      break;
    default:
      console.error(`unknown command: ${line}`);
  }
}
