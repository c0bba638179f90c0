import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../platform/log.ts';
import { createFleet } from '../../fleet/service.ts';
import { describeBrokerContract } from './broker.contract.ts';

describeBrokerContract('embedded aedes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'resabox-fleet-'));
  const fleet = await createFleet({ databasePath: join(dir, 'fleet.db'), broker: { kind: 'embedded', listen: { tcp: { port: 0, host: '127.0.0.1' } } }, logger: silentLogger });
  return {
    fleet,
    url: `mqtt://127.0.0.1:${fleet.broker?.addresses.tcp}`,
    async close() {
      await fleet.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
