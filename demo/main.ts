/**
 * `npm start`: a whole simulated RESABOX installation on this machine, with nothing to
 * configure. The fleet (embedded MQTT broker, SQLite in the data folder, HTTP API and the
 * dashboard under /ui, the update repository with its keys), two clubs with three boxes.
 * Each box runs as in production: this checkout compiled into a release, the launcher
 * (trial, rollback) running its agent as a child process under a supervisor, enrolled
 * through the API (credentials and the repository's trust root) and connected over MQTT;
 * its devices are the firmware simulators, in this process, behind virtual serial lines
 * (socat pty pairs; TCP links when socat is missing or RESABOX_DEMO_LINKS=tcp). Members
 * badge in and out, some are refused, printers run low on paper. Ctrl-C stops everything.
 * Reference: docs/demo.md.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { systemClock } from '../platform/clock.ts';
import { createLogger } from '../platform/log.ts';
import { ListenError } from '../fleet/broker/listeners.ts';
import { startFleetService } from '../fleet/cli/fleet-service.ts';
import { listenFailureLine } from '../fleet/cli/serve.ts';
import { startActivity, startProbe } from './activity.ts';
import { boxPaths, ensureDemoDeskPin, startClubBox, type ClubBox } from './club-box.ts';
import { fleetSwitch, startDemoControl } from './control.ts';
import { apiCaller, demoAdminToken, demoRoleTokens, enrollDemoBox, seedClub } from './fleet-setup.ts';
import { socatAvailable, type LinkMode } from './links.ts';
import { buildDemoRelease, DEMO_HARDWARE } from './release.ts';
import { DEMO_CLUBS } from './topology.ts';
import { ensureDemoUpdateKeys } from './update-keys.ts';

const env = process.env;
const dataDir = resolve(env.RESABOX_DEMO_DATA_DIR ?? env.RESABOX_FLEET_DATA_DIR ?? './data');
const httpPort = Number(env.RESABOX_FLEET_HTTP_PORT ?? 8080);
const mqttPort = Number(env.RESABOX_FLEET_MQTT_PORT ?? 1883);
const activityMs = Number(env.RESABOX_DEMO_ACTIVITY_MS ?? 2500);
const probeMs = Number(env.RESABOX_DEMO_PROBE_MS ?? 0);
// The box pages and the control surface sit next to the API: 8081, 8082, 8083 and 8089 by default.
const pagesPort = Number(env.RESABOX_DEMO_PAGES_PORT ?? (httpPort === 0 ? 0 : httpPort + 1));
const controlPort = Number(env.RESABOX_DEMO_CONTROL_PORT ?? (httpPort === 0 ? 0 : httpPort + 9));
// One pages port per box from pagesPort on: a clash with another port of the demo would leave a box's pages unreachable behind a printed address.
const pagesCount = DEMO_CLUBS.reduce((n, c) => n + c.boxes.length, 0);
const clash = (
  [
    ['RESABOX_FLEET_HTTP_PORT', httpPort],
    ['RESABOX_FLEET_MQTT_PORT', mqttPort],
    ['RESABOX_DEMO_CONTROL_PORT', controlPort],
  ] as const
).find(([, p]) => pagesPort !== 0 && p >= pagesPort && p < pagesPort + pagesCount);
if (clash) {
  console.error(`error: DEMO_PORT_CLASH: the box pages take ports ${pagesPort}-${pagesPort + pagesCount - 1} (RESABOX_DEMO_PAGES_PORT and one port per box), which include ${clash[0]} ${clash[1]}; choose ports apart`);
  process.exit(64);
}
const trialS = Number(env.RESABOX_DEMO_TRIAL_S ?? 30);
const healthTimeoutS = Number(env.RESABOX_DEMO_HEALTH_TIMEOUT_S ?? 40);
const configTrialS = Number(env.RESABOX_DEMO_CONFIG_TRIAL_S ?? 20);
const agentOptimize = env.RESABOX_DEMO_AGENT_OPTIMIZE === '1';
const wanted = env.RESABOX_DEMO_LINKS ?? 'auto';
if (!['auto', 'pty', 'tcp'].includes(wanted)) {
  console.error(`RESABOX_DEMO_LINKS must be auto, pty or tcp (got ${wanted})`);
  process.exit(64);
}
const linkMode: LinkMode = wanted === 'tcp' ? 'tcp' : wanted === 'pty' || (await socatAvailable()) ? 'pty' : 'tcp';

const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
mkdirSync(dataDir, { recursive: true });
const logger = createLogger('fleet', { level: env.LOG_LEVEL ?? 'warn' });
const [updateKeys, release] = await Promise.all([ensureDemoUpdateKeys(dataDir, Date.now()), buildDemoRelease(dataDir)]);
// The demo's broker stays on this machine, as docs/demo.md says (RESABOX_FLEET_MQTT_HOST to open it).
const mqttHost = env.RESABOX_FLEET_MQTT_HOST ?? '127.0.0.1';
// Same variables as `resabox-fleet serve` (docs/fleet-api.md): how fast an absent box is shown and alerted.
const keepaliveS = env.RESABOX_FLEET_BOX_KEEPALIVE_S ? Number(env.RESABOX_FLEET_BOX_KEEPALIVE_S) : undefined;
const offlineAlertS = env.RESABOX_FLEET_BOX_OFFLINE_ALERT_S ? Number(env.RESABOX_FLEET_BOX_OFFLINE_ALERT_S) : undefined;
const fleetService = (http: number, mqtt: number) =>
  startFleetService({
    dataDir,
    repositoryKeysDir: updateKeys.fleetKeysDir,
    clock: systemClock,
    logger,
    ...(keepaliveS ? { presenceGraceMs: keepaliveS * 1500 } : {}),
    ...(offlineAlertS ? { boxOfflineAfterMs: offlineAlertS * 1000 } : {}),
    mqttListen: { tcp: { port: mqtt, host: mqttHost } },
    http: { host: '127.0.0.1', port: http },
  });
const svc = await fleetService(httpPort, mqttPort).catch((e: unknown) => {
  if (!(e instanceof ListenError)) throw e;
  console.error(listenFailureLine(e, false));
  process.exit(1);
});
const fleet = fleetSwitch(svc, () => fleetService(Number(new URL(svc.httpUrl ?? '').port), svc.mqttAddresses.tcp ?? mqttPort));
const boxes: ClubBox[] = [];
let activity: { stop(): void } | undefined;
let probe: { stop(): void } | undefined;
let control: { url: string; close(): Promise<void> } | undefined;
let stopping: Promise<void> | undefined;

const stopAll = (): Promise<void> =>
  (stopping ??= (async () => {
    activity?.stop();
    probe?.stop();
    await control?.close();
    await Promise.all(boxes.map((b) => b.stop().catch(() => undefined)));
    await fleet.stop();
  })());

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    console.log(`\n${signal}: stopping the boxes and the fleet...`);
    void stopAll().then(() => {
      console.log('demo stopped');
      process.exit(0);
    });
  });
}

const fleetReady = elapsed();
try {
  const now = systemClock.now();
  const token = await demoAdminToken(svc.api, join(dataDir, 'demo-admin-token'), now);
  const roles = await demoRoleTokens(svc.api, now);
  const call = apiCaller(svc.api, token);
  const mqttUrl = `mqtt://127.0.0.1:${svc.mqttAddresses.tcp ?? mqttPort}`;
  const deskPin = ensureDemoDeskPin(dataDir);
  const clubs = [];
  const screens: string[] = [];
  let seed = 1;
  for (const club of DEMO_CLUBS) {
    await seedClub(call, club, now);
    const started: ClubBox[] = [];
    for (const b of club.boxes) {
      const root = join(dataDir, 'boxes', b.id);
      mkdirSync(join(root, 'etc'), { recursive: true });
      await enrollDemoBox(call, b.id, b.name, club.id, { credentialsFile: boxPaths(root).credentials, boxRoot: root, hardware: DEMO_HARDWARE, agentVersion: release.version });
      const box = await startClubBox({
        boxId: b.id,
        name: b.name,
        root,
        mqttUrl,
        linkMode,
        clock: systemClock,
        seed: seed++,
        release,
        trialS,
        healthTimeoutS,
        agentOptimize,
        configTrialS,
        logLevel: env.RESABOX_DEMO_AGENT_LOG_LEVEL ?? 'info',
        pagesPort: pagesPort === 0 ? 0 : pagesPort + boxes.length,
        deskPinFile: deskPin.file,
      });
      screens.push(`    ${`${b.id} (${club.name}, ${b.name}):`.padEnd(44)} totem ${box.pages.totem}   desk ${box.pages.desk}`);
      boxes.push(box);
      started.push(box);
    }
    clubs.push({ members: club.members, boxes: started });
  }
  const boxesSpawned = elapsed();
  if (activityMs > 0) activity = startActivity(clubs, { clock: systemClock, everyMs: activityMs });
  // Benchmarks only: unknown badges at every entry reader (docs/demo.md).
  if (probeMs > 0) probe = startProbe(boxes, { clock: systemClock, everyMs: probeMs });
  control = await startDemoControl({ boxes: () => boxes, fleet }, controlPort);
  console.log(`RESABOX demo running: ${boxes.length} boxes in ${DEMO_CLUBS.length} clubs, each agent release ${release.version} under its launcher, device links over ${linkMode === 'pty' ? 'socat pty pairs' : 'TCP'}
  Dashboard:     ${svc.httpUrl}/ui/
  Admin token:   ${token}
  Viewer token:  ${roles.viewer}
  Support token: ${roles.support}
  API:           ${svc.httpUrl}/v1   (docs: ${svc.httpUrl}/docs)
  MQTT broker:   ${mqttUrl}
  Release keys:  ${updateKeys.releaseKeysDir}   (root and targets; hardware model ${DEMO_HARDWARE})
  Data folder:   ${dataDir}
  Club screens:  desk PIN ${deskPin.pin} (the same at every box)
${screens.join('\n')}
  Demo control:  ${control.url}   (badges, QR codes, printed tickets, fleet stop and start: GET ${control.url}/ lists them)
Ctrl-C stops everything. (fleet up in ${fleetReady}, boxes enrolled and started in ${boxesSpawned}; they come online in a few seconds)`);
} catch (e) {
  console.error(`demo failed to start: ${(e as Error).message}`);
  await stopAll();
  process.exit(1);
}
