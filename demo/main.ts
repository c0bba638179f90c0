/**
 * `npm start`: a whole simulated RESABOX installation on this machine, with nothing to
 * configure. The fleet (embedded MQTT broker, SQLite in the data folder, HTTP API and the
 * dashboard under /ui), two clubs with three boxes, each box a real agent (agent/main.ts,
 * a child process) enrolled through the API and connected over MQTT, its devices being the
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
const wanted = env.RESABOX_DEMO_LINKS ?? 'auto';
if (!['auto', 'pty', 'tcp'].includes(wanted)) {
  console.error(`RESABOX_DEMO_LINKS must be auto, pty or tcp (got ${wanted})`);
  process.exit(64);
}
const linkMode: LinkMode = wanted === 'tcp' ? 'tcp' : wanted === 'pty' || (await socatAvailable()) ? 'pty' : 'tcp';

mkdirSync(dataDir, { recursive: true });
const logger = createLogger('fleet', { level: env.LOG_LEVEL ?? 'warn' });
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

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.log(`\n${signal}: stopping the boxes and the fleet...`);
    void stopAll().then(() => {
      console.log('demo stopped');
      process.exit(0);
    });
  });
}

try {
  const now = systemClock.now();
  const token = demoAdminToken(svc.api, join(dataDir, 'demo-admin-token'), now);
  const roles = demoRoleTokens(svc.api, now);
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
      const box = await startClubBox({ boxId: b.id, name: b.name, dir, credentialsFile, mqttUrl, linkMode, clock: systemClock, seed: seed++ });
      boxes.push(box);
      started.push(box);
    }
    clubs.push({ members: club.members, boxes: started });
  }
  activity = startActivity(clubs, { clock: systemClock, everyMs: activityMs });
  console.log(`RESABOX demo running: ${boxes.length} boxes in ${DEMO_CLUBS.length} clubs, device links over ${linkMode === 'pty' ? 'socat pty pairs' : 'TCP'}
  Dashboard:     ${svc.httpUrl}/ui/
  Admin token:   ${token}
  Viewer token:  ${roles.viewer}
  Support token: ${roles.support}
  API:           ${svc.httpUrl}/v1   (docs: ${svc.httpUrl}/docs)
  MQTT broker:   ${mqttUrl}
  Data folder:   ${dataDir}   (agent logs: boxes/<box>/agent.log)
Ctrl-C stops everything.`);
} catch (e) {
  console.error(`demo failed to start: ${(e as Error).message}`);
  await stopAll();
  process.exit(1);
}
