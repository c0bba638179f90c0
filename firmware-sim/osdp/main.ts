import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { fromHex } from '../../protocol/core/index.ts';
import { listenTcpLink, openSerialLink, type ClosableLink } from '../links.ts';
import { SimulatedOsdpBus } from './bus.ts';
import { PD_PROFILES, SimulatedPd, type PdProfileName } from './pd.ts';
import { runScriptLine } from './script.ts';

/**
 * Simulated OSDP readers on one bus, for manual tests and demos:
 *   tsx firmware-sim/osdp/main.ts --serial <pty end> --reader 1 --reader 2:<32 hex SCBK>
 *   tsx firmware-sim/osdp/main.ts --tcp 4001 --reader 1 --profile secure-only
 * A reader without a key starts in install mode (accepts SCBK-D). --profile picks how the
 * readers behave where real ones differ (pd.ts PD_PROFILES: spec, secure-only, lenient). Script lines on stdin
 * (see script.ts), e.g. "card 1 12 3456".
 */
const { values } = parseArgs({
  options: { serial: { type: 'string' }, baud: { type: 'string', default: '9600' }, tcp: { type: 'string' }, reader: { type: 'string', multiple: true, default: ['1'] }, profile: { type: 'string', default: 'spec' } },
});
if (!(values.profile in PD_PROFILES)) {
  console.error(`unknown profile ${values.profile}; one of: ${Object.keys(PD_PROFILES).join(', ')}`);
  process.exit(2);
}
const behaviour = PD_PROFILES[values.profile as PdProfileName];

const readers = (values.reader ?? ['1']).map((spec) => {
  const [addr, key] = spec.split(':');
  return new SimulatedPd({ address: Number(addr), behaviour, ...(key ? { scbk: fromHex(key) } : {}) });
});

let link: ClosableLink;
if (values.serial) link = await openSerialLink(values.serial, Number(values.baud));
else {
  const tcp = await listenTcpLink(Number(values.tcp ?? 0));
  console.log(`listening on tcp port ${tcp.port}`);
  link = tcp;
}
const bus = new SimulatedOsdpBus(link, readers);
console.log(`simulated OSDP readers at ${readers.map((r) => r.address).join(', ')}`);
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => console.log(runScriptLine(bus, line)));
rl.on('close', () => void link.close().then(() => process.exit(0)));
