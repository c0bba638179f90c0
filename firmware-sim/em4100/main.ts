import { createInterface } from 'node:readline';
import { systemClock } from '../../platform/clock.ts';
import { listenTcpLink, openSerialLink, type ClosableLink } from '../links.ts';
import { applyEm4100Command, parseEm4100Command } from './commands.ts';
import { Em4100ReaderSim } from './em4100-sim.ts';

/**
 * A simulated EM4100 module on a serial line (a socat pty end) or a TCP port, driven by
 * commands on stdin (see commands.ts):
 *   tsx firmware-sim/em4100/main.ts --serial /dev/pts/5
 *   tsx firmware-sim/em4100/main.ts --tcp 4001
 */
async function main(argv: string[]): Promise<number> {
  const [flag, where] = argv;
  let link: ClosableLink;
  if (flag === '--serial' && where) link = await openSerialLink(where, 9600);
  else if (flag === '--tcp' && where) {
    const tcp = await listenTcpLink(Number(where));
    console.log(`EM4100 module listening on 127.0.0.1:${tcp.port}`);
    link = tcp;
  } else {
    console.error('usage: main.ts --serial <path> | --tcp <port>');
    return 2;
  }
  const sim = new Em4100ReaderSim(link, { clock: systemClock });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const command = parseEm4100Command(line);
    if (!command.ok) {
      console.error(command.error);
      continue;
    }
    await applyEm4100Command(sim, command.value);
    if (command.value.kind === 'unplug') return 0;
  }
  sim.remove();
  await link.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
