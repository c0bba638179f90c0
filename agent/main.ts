import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatConfigError } from './config/errors.ts';
import { loadConfigFile } from './config/load.ts';
import type { JournalAlert } from './journal/storage-bound.ts';
import type { ConfigReportedMessage, UpdateJobMessage } from '../protocol/mqtt/index.ts';

/** Exit codes: documented in docs/agent.md and `--help`. */
const EXIT_OK = 0;
const EXIT_RUNTIME = 1;
const EXIT_INVALID_CONFIG = 2;
const EXIT_USAGE = 64;
/** A remote restart-agent command: the supervisor restarts the agent (systemd Restart=on-failure). */
const EXIT_RESTART = 75;

let restartRequested: () => void = () => undefined;

const HELP = `resabox-agent: runs a RESABOX access-control box

Usage:
  resabox-agent --config FILE           run the box described by FILE (YAML or JSON)
  resabox-agent                         the same with FILE from RESABOX_CONFIG (how the launcher runs it)
  resabox-agent --config FILE --check   validate FILE, print every error, and exit
  resabox-agent --help                  show this help

Exit codes:
  0   valid configuration (--check), or clean shutdown on SIGTERM/SIGINT
  1   the box could not start (missing driver, storage error, unreadable fleet credentials)
  2   invalid configuration (each error printed as: CODE at PATH: expected X, got Y)
  64  bad command line
  75  stopped on a remote restart-agent command or to switch to a new release
      (the supervisor or the launcher starts it again)

Environment: LOG_LEVEL (pino level, default info); RESABOX_CONFIG (FILE when --config is absent);
RESABOX_CONFIG_TRIAL_S (seconds a configuration set from the fleet has to bring its changed
devices up before it is rolled back, default 30).
Run by the launcher (RESABOX_ROOT, RESABOX_RELEASE_DIR set), it takes update jobs and
reports its self-test to the launcher. Reference: docs/agent.md, docs/updates.md`;

async function main(argv: string[]): Promise<number> {
  let values: { config?: string; check?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${HELP}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    console.log(HELP);
    return EXIT_OK;
  }
  values.config ??= process.env.RESABOX_CONFIG || undefined;
  if (!values.config) {
    console.error(`--config FILE is required\n\n${HELP}`);
    return EXIT_USAGE;
  }
  const loaded = await loadConfigFile(values.config);
  if (!loaded.ok) {
    for (const e of loaded.error) console.error(formatConfigError(e));
    console.error(`${values.config}: ${loaded.error.length} error(s)`);
    return EXIT_INVALID_CONFIG;
  }
  const { config } = loaded.value;
  if (values.check) {
    console.log(`${values.config}: valid (box ${config.box.id}, ${config.devices.length} devices, ${config.lanes.length} lanes)`);
    return EXIT_OK;
  }

  // Loaded only to run a box: --help and --check stay quick and never touch drivers or SQLite.
  const [{ systemClock }, { createTeeLogger }, { buildBox }, { builtInDrivers }, { formatBoxError }, { createTransport }, { loadCredentials }, { createBoxUplink }, { agentVersion }, { LogRing }, updates] =
    await Promise.all([
      import('../platform/clock.ts'),
      import('../platform/log.ts'),
      import('./box/build-box.ts'),
      import('./box/drivers.ts'),
      import('./box/errors.ts'),
      import('./transport/create.ts'),
      import('./uplink/credentials.ts'),
      import('./uplink/box-uplink.ts'),
      import('./uplink/agent-version.ts'),
      import('./uplink/log-ring.ts'),
      import('./update/agent-updates.ts'),
    ]);
  // Under the launcher the release's manifest names this agent's version and hardware.
  const release = await updates.runningRelease(process.env);
  // Every line also goes to an in-memory ring the fleet reads with fetch-logs.
  const logs = new LogRing();
  const logger = createTeeLogger('agent', { base: { box: config.box.id } }, logs);
  let credentials: { password: string };
  try {
    credentials = await loadCredentials(resolve(dirname(loaded.value.file), config.fleet.credentialsFile), config.box.id);
  } catch (e) {
    console.error(`${(e as { code?: string }).code ?? 'UPLINK_CREDENTIALS_INVALID'}: ${(e as Error).message}`);
    return EXIT_RUNTIME;
  }
  // The configuration set from the fleet, if any, replaces the file's (docs/updates.md, remote configuration).
  const configReports: { send: (m: ConfigReportedMessage) => void } = { send: () => undefined };
  const { openRemoteConfig } = await import('./remote-config/remote-config.ts');
  const { remote, effective, onDesired } = await openRemoteConfig(loaded.value, { dataDir: loaded.value.dataDir, clock: systemClock, log: logger.child({ component: 'remote-config' }), report: (m) => configReports.send(m), requestRestart: () => restartRequested() });
  // The totem sees each decision through a tap on the rules engine (agent/local-ui/totem-feed.ts).
  const [{ decide }, { TotemFeed }, { startBoxLocalUi }] = await Promise.all([import('./access/index.ts'), import('./local-ui/totem-feed.ts'), import('./local-ui/box-local-ui.ts')]);
  const totem = new TotemFeed();
  // The journal is built before the uplink that turns its alerts into events.
  const journalAlerts: { forward?: (alert: JournalAlert) => void } = {};
  const box = buildBox({
    loaded: effective,
    drivers: builtInDrivers(),
    createTransport: (transport) => createTransport(transport),
    clock: systemClock,
    logger,
    decide: totem.wrap(decide),
    onJournalAlert: (alert) => journalAlerts.forward?.(alert),
  });
  if (!box.ok) {
    for (const e of box.error) console.error(formatBoxError(e));
    // A configuration on trial that cannot even be built goes back to the previous one.
    if (remote.choice.onTrial) {
      await remote.failedToStart(box.error.map(formatBoxError).join('; '));
      return EXIT_RESTART;
    }
    return EXIT_RUNTIME;
  }
  let restart = false;
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
    // restart-agent: answered first, then a clean stop; the supervisor (systemd) starts it again.
    restartRequested = () => {
      restart = true;
      resolve();
    };
  });
  const version = release?.version ?? agentVersion();
  const onUpdateJob: { take: (job: UpdateJobMessage) => void } = { take: () => undefined };
  const link = createBoxUplink({ box: box.value, config: effective.config, onConfigDesired: (m) => void onDesired(m), dataDir: loaded.value.dataDir, password: credentials.password, agentVersion: version, ...(release ? { release: { hardware: release.hardware, previousVersion: release.previous } } : {}), clock: systemClock, logger, restartAgent: () => restartRequested(), logs, onUpdateJob: (job) => onUpdateJob.take(job) });
  journalAlerts.forward = (alert) => link.events.onJournalAlert(alert);
  configReports.send = (m) => link.publishConfigReported(m);
  remote.reportNow();
  const devices = () => [...box.value.devices.values()].map((d) => d.status());
  const updater = release ? new updates.AgentUpdates({ release, uplink: link, journal: box.value.journal, devices, clock: systemClock, log: logger.child({ component: 'update' }), requestRestart: () => restartRequested() }) : null;
  if (updater) {
    await updater.start();
    onUpdateJob.take = (job) => updater.offerJob(job);
  } else onUpdateJob.take = (job) => updates.refuseUpdateJob(job, version, link, systemClock);
  await box.value.start();
  // Access control never depends on the pages: a busy port is logged and the lanes run on.
  const ui = await startBoxLocalUi({ box: box.value, loaded: effective, totem, clock: systemClock, logger }).catch((e: unknown) => {
    logger.error({ err: e, localUi: effective.config.localUi }, 'local pages not started');
    return undefined;
  });
  link.start();
  // The launcher judges a release on trial by this report (agent/launcher/launcher.ts).
  void updater?.selfTestAndReport().catch((e: unknown) => logger.error({ err: e }, 'self-test not reported'));
  // A configuration on trial is kept once its changed devices are up, else rolled back.
  void remote.watchTrial(devices).catch((e: unknown) => logger.error({ err: e }, 'remote configuration trial failed'));
  await stopped;
  await link.stop();
  await ui?.close();
  await box.value.stop();
  return restart ? EXIT_RESTART : EXIT_OK;
}

process.exitCode = await main(process.argv.slice(2));
// A restart (remote command, or a switch to a new release) must not wait for timers still
// armed (a self-test poll, a reconnect): the launcher starts the next agent as soon as this one is gone.
if (process.exitCode === EXIT_RESTART) process.exit(EXIT_RESTART);
