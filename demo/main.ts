/**
 * `npm start`: a whole simulated RESABOX installation on this machine, with nothing to
 * configure. The fleet (embedded MQTT broker, SQLite in the data folder, HTTP API and the
 * dashboard under /ui), two clubs with three boxes, each box a real agent (the agent/main.ts
 * composition, in this process, or as child processes with RESABOX_DEMO_AGENTS=process) enrolled through the API and connected over MQTT, its devices being the
 * firmware simulators behind virtual serial lines (socat pty pairs; TCP links when socat is
 * missing or RESABOX_DEMO_LINKS=tcp). Members badge in and out, some are refused, printers
 * run low on paper. Ctrl-C stops everything. Reference: docs/demo.md.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { systemClock } from '../platform/clock.ts';
import { createLogger } from '../platform/log.ts';
import { startFleetService } from '../fleet/cli/fleet-service.ts';
import { startActivity } from './activity.ts';
import { startClubBox, type ClubBox } from './club-box.ts';
import { apiCaller, demoAdminToken, demoRoleTokens, enrollDemoBox, seedClub } from './fleet-setup.ts';
import { socatAvailable, type LinkMode } from './links.ts';
import { DEMO_CLUBS } from './topology.ts';

const env = process.env;
const dataDir = resolve(env.RESABOX_DEMO_DATA_DIR ?? env.RESABOX_FLEET_DATA_DIR ?? './data');
const httpPort = Number(env.RESABOX_FLEET_HTTP_PORT ?? 8080);
const mqttPort = Number(env.RESABOX_FLEET_MQTT_PORT ?? 1883);
const activityMs = Number(env.RESABOX_DEMO_ACTIVITY_MS ?? 2500);
const agentMode = env.RESABOX_DEMO_AGENTS === 'process' ? 'process' : 'inline';
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
const agentLogger = createLogger('agent', { level: env.RESABOX_DEMO_AGENT_LOG_LEVEL ?? 'warn' });
const svc = await startFleetService({ dataDir, clock: systemClock, logger, mqttListen: { tcp: { port: mqttPort } }, http: { host: '127.0.0.1', port: httpPort } });
const boxes: ClubBox[] = [];
let activity: { stop(): void } | undefined;
let stopping: Promise<void> | undefined;

const stopAll = (): Promise<void> =>
  (stopping ??= (async () => {
    activity?.stop();
    await Promise.all(boxes.map((b) => b.stop().catch(() => undefined)));
    await svc.close();
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
  const clubs = [];
  let seed = 1;
  for (const club of DEMO_CLUBS) {
    await seedClub(call, club, now);
    const started: ClubBox[] = [];
    for (const b of club.boxes) {
      const dir = join(dataDir, 'boxes', b.id);
      mkdirSync(dir, { recursive: true });
      const credentialsFile = join(dir, 'fleet-credentials.json');
      await enrollDemoBox(call, b.id, b.name, club.id, credentialsFile);
      const box = await startClubBox({ boxId: b.id, name: b.name, dir, credentialsFile, mqttUrl, linkMode, clock: systemClock, seed: seed++, agentMode, logger: agentLogger });
      boxes.push(box);
      started.push(box);
    }
    clubs.push({ members: club.members, boxes: started });
  }
  const boxesSpawned = elapsed();
  activity = startActivity(clubs, { clock: systemClock, everyMs: activityMs });
  console.log(`RESABOX demo running: ${boxes.length} boxes in ${DEMO_CLUBS.length} clubs, agents ${agentMode === 'inline' ? 'in this process' : 'as child processes'}, device links over ${linkMode === 'pty' ? 'socat pty pairs' : 'TCP'}
  Dashboard:     ${svc.httpUrl}/ui/
  Admin token:   ${token}
  Viewer token:  ${roles.viewer}
  Support token: ${roles.support}
  API:           ${svc.httpUrl}/v1   (docs: ${svc.httpUrl}/docs)
  MQTT broker:   ${mqttUrl}
  Data folder:   ${dataDir}
Ctrl-C stops everything. (fleet up in ${fleetReady}, boxes enrolled and started in ${boxesSpawned}; they come online in a few seconds)`);
} catch (e) {
  console.error(`demo failed to start: ${(e as Error).message}`);
  await stopAll();
  process.exit(1);
}
