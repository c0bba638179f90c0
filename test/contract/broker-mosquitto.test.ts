import { writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../platform/log.ts';
import { mosquittoHash } from '../../fleet/broker/credentials.ts';
import { renderAclFile, renderMosquittoConf, renderPasswordFile } from '../../fleet/broker/mosquitto-auth.ts';
import { createFleet } from '../../fleet/service.ts';
import { startMosquitto } from '../support/mosquitto.ts';
import { describeBrokerContract } from './broker.contract.ts';

const SERVICE = { username: '_fleet', password: 'fleet-service-secret-for-tests' };

describeBrokerContract('Mosquitto (external broker)', async () => {
  const mosquitto = await startMosquitto({
    writeAuth: (passwordFile, aclFile) => {
      writeFileSync(passwordFile, renderPasswordFile([{ username: SERVICE.username, hash: mosquittoHash(SERVICE.password) }]));
      writeFileSync(aclFile, renderAclFile(SERVICE.username));
    },
    conf: ({ passwordFile, aclFile, port }) => `${renderMosquittoConf({ passwordFile, aclFile, maxPacketBytes: 600 * 1024, listeners: [`listener ${port} 127.0.0.1`] })}persistence false\nlog_type error\n`,
  });
  const dir = mkdtempSync(join(tmpdir(), 'resabox-fleet-'));
  const url = `mqtt://127.0.0.1:${mosquitto.port}`;
  try {
    const fleet = await createFleet({
      databasePath: join(dir, 'fleet.db'),
      broker: { kind: 'external', url, ...SERVICE, mosquitto: { passwordFile: mosquitto.passwordFile, aclFile: mosquitto.aclFile, reload: () => mosquitto.reload() } },
      logger: silentLogger,
    });
    return {
      fleet,
      url,
      async close() {
        await fleet.close();
        await mosquitto.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await mosquitto.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
});
