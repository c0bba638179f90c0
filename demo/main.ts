/**
 * `npm start`: the fleet service alone (until the whole-club demo exists), with the
 * embedded broker and its SQLite store in ./data. The first run creates an admin token and
 * keeps it in ./data/demo-admin-token (mode 0600) so that later runs can print it again:
 * a convenience for a local demo only; a real deployment uses `resabox-fleet token create`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../platform/clock.ts';
import { createLogger } from '../platform/log.ts';
import { runUntilSignal } from '../fleet/cli/serve.ts';

const dataDir = process.env.RESABOX_FLEET_DATA_DIR ?? './data';
const httpPort = Number(process.env.RESABOX_FLEET_HTTP_PORT ?? 8080);
const mqttPort = Number(process.env.RESABOX_FLEET_MQTT_PORT ?? 1883);
const tokenFile = join(dataDir, 'demo-admin-token');
mkdirSync(dataDir, { recursive: true });

await runUntilSignal(
  {
    dataDir,
    clock: systemClock,
    logger: createLogger('fleet', { level: process.env.LOG_LEVEL ?? 'warn' }),
    mqttListen: { tcp: { port: mqttPort } },
    http: { host: '127.0.0.1', port: httpPort },
  },
  (svc) => {
    const tokens = svc.api.ctx.tokens;
    const saved = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '';
    let token = saved && tokens.authenticate(saved, systemClock.now()) ? saved : '';
    if (!token) {
      token = tokens.create('demo-admin', 'admin', systemClock.now()).token;
      writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    }
    console.log(`RESABOX fleet running
  API:          ${svc.httpUrl}/v1
  API docs:     ${svc.httpUrl}/docs   (OpenAPI JSON: ${svc.httpUrl}/openapi.json)
  Metrics:      ${svc.httpUrl}/metrics
  MQTT broker:  mqtt://localhost:${svc.mqttAddresses.tcp}
  Admin token:  ${token}
  Try:          curl -H "Authorization: Bearer ${token}" ${svc.httpUrl}/v1/boxes
Ctrl-C stops it.`);
  },
);
console.log('fleet stopped');
