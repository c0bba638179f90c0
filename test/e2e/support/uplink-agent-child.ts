/**
 * A box agent reduced to its journal, rights store and uplink, run as a child process by
 * the SIGKILL tests: `node --import tsx uplink-agent-child.ts DATA_DIR MQTT_URL BOX_ID`
 * with the password in env BOX_PASSWORD (and BATCH_SIZE). SIGTERM stops it cleanly.
 */
import { join } from 'node:path';
import { RightsStore } from '../../../agent/access/store.ts';
import { PassJournal } from '../../../agent/journal/pass-journal.ts';
import { Uplink } from '../../../agent/uplink/uplink.ts';
import { systemClock } from '../../../platform/clock.ts';
import { silentLogger } from '../../../platform/log.ts';

const [dataDir, url, boxId] = process.argv.slice(2) as [string, string, string];
const journal = new PassJournal({ path: join(dataDir, 'journal.db'), clock: systemClock, logger: silentLogger });
const rights = RightsStore.open(join(dataDir, 'rights.db'), { clock: systemClock });
const uplink = new Uplink({
  boxId,
  url,
  password: process.env.BOX_PASSWORD ?? '',
  agentVersion: '0.1.0-child',
  dataDir,
  clock: systemClock,
  logger: silentLogger,
  journal,
  rights,
  devices: new Map(),
  lanes: () => [],
  commands: {
    openLane: () => Promise.reject(new Error('no lanes in this test agent')),
    setLockdown: () => undefined,
    restartDevice: () => Promise.reject(new Error('no devices in this test agent')),
    restartAgent: () => undefined,
    diagnostics: () => ({}),
  },
  outbox: { batchSize: Number(process.env.BATCH_SIZE ?? 500), maxInFlight: 4, ackTimeoutMs: 10_000, pollMs: 50 },
  backoff: { baseMs: 50, capMs: 500, stableMs: 5000 },
});
uplink.start();
process.once('SIGTERM', () => {
  void uplink.stop().then(() => {
    journal.close();
    rights.close();
    process.exit(0);
  });
});
