import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { listenTcpLink, openSerialLink, type ClosableLink } from '../links.ts';
import { EscposPrinterSim } from './printer-sim.ts';
import { renderTicket } from './ticket.ts';

/**
 * The simulated receipt printer as a process: `--pty <path>` (a serial line, e.g. one end
 * of a socat pair) or `--tcp <port>` (raw port 9100 style; 0 picks a free port). Prints each
 * ticket to stdout; script it on stdin with: paper ok | paper near-end | paper end |
 * new roll | cover open | cover close | cutter error | cutter ok | silent on | silent off |
 * status (paper, cover, tickets, unknown and bad commands as JSON).
 */
const { values } = parseArgs({ options: { pty: { type: 'string' }, tcp: { type: 'string' }, baud: { type: 'string', default: '9600' } } });

let link: ClosableLink;
if (values.pty) {
  link = await openSerialLink(values.pty, Number(values.baud));
  console.log(`printer-sim: listening on serial ${values.pty}`);
} else if (values.tcp !== undefined) {
  const tcp = await listenTcpLink(Number(values.tcp));
  link = tcp;
  console.log(`printer-sim: listening on tcp 127.0.0.1:${tcp.port}`);
} else {
  console.error('usage: printer-sim --pty <path> [--baud 9600] | --tcp <port>');
  process.exit(2);
}

const sim = new EscposPrinterSim(link);
sim.onTicket((t) => {
  console.log(`--- ticket (${t.end}) ---`);
  for (const line of renderTicket(t)) console.log(line);
});

const SCRIPT: Record<string, () => void> = {
  'paper ok': () => sim.setPaper('ok'),
  'paper near-end': () => sim.setPaper('near-end'),
  'paper end': () => sim.setPaper('end'),
  'new roll': () => sim.newRoll(),
  'cover open': () => sim.openCover(),
  'cover close': () => sim.closeCover(),
  'cutter error': () => sim.setCutterError(true),
  'cutter ok': () => sim.setCutterError(false),
  'silent on': () => sim.goSilent(true),
  'silent off': () => sim.goSilent(false),
  status: () => console.log(JSON.stringify(sim.status())),
};

createInterface({ input: process.stdin }).on('line', (line) => {
  const step = SCRIPT[line.trim()];
  if (step) {
    step();
    console.log(`printer-sim: ${line.trim()}`);
  } else if (line.trim()) console.error(`printer-sim: unknown step "${line.trim()}" (${Object.keys(SCRIPT).join(', ')})`);
});

const shutdown = () => void link.close().then(() => process.exit(0));
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
