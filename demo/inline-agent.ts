import { dirname, resolve } from 'node:path';
import { buildBox } from '../agent/box/build-box.ts';
import { builtInDrivers } from '../agent/box/drivers.ts';
import { formatBoxError } from '../agent/box/errors.ts';
import { formatConfigError } from '../agent/config/errors.ts';
import { loadConfigFile } from '../agent/config/load.ts';
import type { JournalAlert } from '../agent/journal/storage-bound.ts';
import { createTransport } from '../agent/transport/create.ts';
import { agentVersion } from '../agent/uplink/agent-version.ts';
import { createBoxUplink } from '../agent/uplink/box-uplink.ts';
import { loadCredentials } from '../agent/uplink/credentials.ts';
import { LogRing } from '../agent/uplink/log-ring.ts';
import type { Clock } from '../platform/clock.ts';
import { createTeeLogger, type Logger } from '../platform/log.ts';

/**
 * The agent/main.ts composition run inside the demo process (the default: one Node process
 * loads the agent code once instead of three times, which is most of the start-up time on a
 * small machine). Same configuration file, credentials file, drivers, journal, rights store
 * and uplink as `resabox-agent --config`; RESABOX_DEMO_AGENTS=process runs that instead.
 * A remote restart-agent rebuilds the whole box, as the supervisor would restart the process.
 */
export async function startInlineAgent(configFile: string, clock: Clock, demoLogger: Logger, logs = new LogRing()): Promise<{ stop(): Promise<void> }> {
  const loaded = await loadConfigFile(configFile);
  if (!loaded.ok) throw new Error(loaded.error.map(formatConfigError).join('\n'));
  const { config } = loaded.value;
  // As in agent/main.ts: stdout at the demo's level, info lines kept for fetch-logs (across restarts).
  const logger = createTeeLogger('agent', { level: demoLogger.level, base: { box: config.box.id } }, logs);
  const credentials = await loadCredentials(resolve(dirname(loaded.value.file), config.fleet.credentialsFile), config.box.id);
  const journalAlerts: { forward?: (alert: JournalAlert) => void } = {};
  const built = buildBox({ loaded: loaded.value, drivers: builtInDrivers(), createTransport: (t) => createTransport(t), clock, logger, onJournalAlert: (a) => journalAlerts.forward?.(a) });
  if (!built.ok) throw new Error(built.error.map(formatBoxError).join('\n'));
  const box = built.value;
  let current: { stop(): Promise<void> } | undefined;
  let stopped = false;
  const link = createBoxUplink({
    box,
    config,
    dataDir: loaded.value.dataDir,
    password: credentials.password,
    agentVersion: agentVersion(),
    clock,
    logger,
    logs,
    restartAgent: () => {
      void (async () => {
        await stopThis();
        if (stopped) return;
        current = await startInlineAgent(configFile, clock, demoLogger, logs);
      })().catch((e: unknown) => logger.error({ err: e }, 'restart of the demo agent failed'));
    },
  });
  journalAlerts.forward = (alert) => link.events.onJournalAlert(alert);
  const stopThis = async () => {
    await link.stop();
    await box.stop();
  };
  await box.start();
  link.start();
  current = { stop: stopThis };
  return {
    stop: async () => {
      stopped = true;
      await current?.stop();
    },
  };
}
