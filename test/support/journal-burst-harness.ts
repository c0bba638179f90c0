/**
 * Child process of test/integration/journal-crash.test.ts: runs four lanes with fake
 * readers and turnstiles over the real PassJournal at argv[2], presenting badges in a
 * continuous burst, and prints each pass's seq on stdout only after its append resolved
 * (i.e. after the commit returned). The test kills it with SIGKILL at random moments.
 * Stdout is a pipe, and pipe writes are synchronous on Linux: a printed seq has left the
 * process before the next line of code runs.
 */
import type { RightsView } from '../../agent/access/index.ts';
import { PassJournal } from '../../agent/journal/pass-journal.ts';
import { EmergencyState } from '../../agent/lanes/emergency.ts';
import { Lane } from '../../agent/lanes/lane.ts';
import { PassageMemory } from '../../agent/lanes/passage-memory.ts';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { allowListDecide } from './fake-access.ts';
import { FakeReader, FakeTurnstile } from './fake-devices.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: journal-burst-harness.ts JOURNAL_FILE');

const journal = new PassJournal({ path, clock: systemClock, logger: silentLogger });
const memory = new PassageMemory(() => ({ version: 1 }) as RightsView);
const emergency = new EmergencyState();
let next = 0;
const lanes = [0, 1, 2, 3].map((i) => {
  const reader = new FakeReader(`reader-${i}`, systemClock);
  const turnstile = new FakeTurnstile(`turnstile-${i}`);
  // Every other granted person walks through, the others walk away, every 7th badge is unknown:
  // all three outcomes mix in one burst.
  let opens = 0;
  turnstile.auto = () => (++opens % 2 === 1 ? { kind: 'passed', at: systemClock.now() } : { kind: 'not-passed' });
  const lane = new Lane({
    spec: { id: `lane-${i}`, kind: 'entry', zone: 'club', turnstile: turnstile.id, readers: [{ reader: reader.id, direction: 'in' }] },
    readers: [reader],
    turnstile,
    decide: allowListDecide((n) => Number(n) % 7 !== 0),
    memory,
    emergency,
    journal,
    clock: systemClock,
    logger: silentLogger,
    debounceMs: 0,
    onRecorded: (pass) => process.stdout.write(`${pass.seq}\n`),
  });
  lane.start();
  return { lane, reader };
});

setInterval(() => {
  for (const { lane, reader } of lanes) if (lane.phase === 'idle') reader.badge(String(++next));
}, 1);
process.stdout.write('ready\n');
