import { readFileSync } from 'node:fs';
import { systemClock } from '../../platform/clock.ts';
import { createLogger } from '../../platform/log.ts';
import type { ListenError, ListenerName, ListenOptions } from '../broker/listeners.ts';
import { admissionAtRate } from '../broker/admission.ts';
import { flagOrEnv, parseFlags, port, UsageError } from './args.ts';
import { storeSpec } from '../store/open-store.ts';
import { startFleetService, type FleetService, type FleetServiceOptions } from './fleet-service.ts';

export const SERVE_USAGE = 'serve [flags]';
export const SERVE_HELP = `Starts the fleet: store (SQLite, or PostgreSQL), MQTT broker (embedded, or an external one), ingest, alerts and the HTTP API.
  --data-dir DIR              data folder (env RESABOX_FLEET_DATA_DIR, default ./data)
  --store URL                 postgres://user:pass@host:port/db to keep the data in PostgreSQL (env RESABOX_FLEET_STORE);
                              default: SQLite, <data-dir>/fleet.db
  --http-host HOST            API address (env RESABOX_FLEET_HTTP_HOST, default 0.0.0.0)
  --http-port N               API port (env RESABOX_FLEET_HTTP_PORT, default 8080)
  --mqtt-port N               embedded broker, MQTT over TCP (env RESABOX_FLEET_MQTT_PORT, default 1883)
  --mqtt-host HOST            address of the embedded broker's listeners (env RESABOX_FLEET_MQTT_HOST, default 0.0.0.0;
                              127.0.0.1 keeps it to this machine)
  --mqtts-port N              embedded broker, MQTT over TLS (env RESABOX_FLEET_MQTTS_PORT; needs the TLS files)
  --ws-port N                 embedded broker, MQTT over WebSocket (env RESABOX_FLEET_WS_PORT)
  --tls-cert FILE             PEM certificate: HTTPS for the API and MQTTS (env RESABOX_FLEET_TLS_CERT)
  --tls-key FILE              PEM private key (env RESABOX_FLEET_TLS_KEY)
  --trust-proxy ADDR          behind a reverse proxy: its address, or "true" (env RESABOX_FLEET_TRUST_PROXY)
  --broker-url URL            use this external broker instead of the embedded one (env RESABOX_FLEET_BROKER_URL);
                              the password comes from env RESABOX_FLEET_BROKER_PASSWORD only
  --broker-username NAME      the fleet's identity there (env RESABOX_FLEET_BROKER_USERNAME, default _fleet)
  --mosquitto-password-file F Mosquitto files the fleet rewrites on enrollment/revocation,
  --mosquitto-acl-file F      then signals Mosquitto (SIGHUP to the pid in --mosquitto-pid-file)
  --mosquitto-pid-file F
  --public-mqtt-url URL       the broker URL handed to enrolled boxes (env RESABOX_FLEET_PUBLIC_MQTT_URL)
  --public-repository-url URL the TUF repository URL put in update jobs (env RESABOX_FLEET_PUBLIC_REPOSITORY_URL,
                              default <API URL>/repository); the repository lives in <data-dir>/repository
  --max-artifact-mb N         largest bundle upload (env RESABOX_FLEET_MAX_ARTIFACT_MB, default 512)
  --box-keepalive-s N         the boxes' MQTT keepalive (env RESABOX_FLEET_BOX_KEEPALIVE_S, default 30): after a
                              restart, a box has 1.5 times this to show it is still there
  --connect-rate N            embedded broker: box connections admitted per second, bursts up to that
                              (env RESABOX_FLEET_CONNECT_RATE, default 250 per core); a box over it gets CONNACK 3
                              (server unavailable) before any secret check and retries within seconds
  --box-offline-alert-s N     open "box offline" after this long offline (env RESABOX_FLEET_BOX_OFFLINE_ALERT_S, default 120)
  --instance NAME             this instance's name when several fleet instances share one PostgreSQL store and one
                              external broker (env RESABOX_FLEET_INSTANCE): shared subscriptions, singleton work on
                              one instance at a time; needs --store postgres://... and --broker-url (README, "Several
                              fleet instances")
  --repository-keys DIR       the repository's online keys (snapshot.key.json, timestamp.key.json; env
                              RESABOX_FLEET_REPOSITORY_KEYS): the fleet signs snapshot and timestamp and
                              re-signs them before they expire; root and targets keys stay offline`;

/** The option and the variable that set each listener's port, for the one-line failure message. */
export const LISTENER_SETTINGS: Record<ListenerName, { what: string; flag: string; env: string }> = {
  http: { what: 'HTTP API', flag: '--http-port', env: 'RESABOX_FLEET_HTTP_PORT' },
  mqtt: { what: 'MQTT', flag: '--mqtt-port', env: 'RESABOX_FLEET_MQTT_PORT' },
  mqtts: { what: 'MQTT over TLS', flag: '--mqtts-port', env: 'RESABOX_FLEET_MQTTS_PORT' },
  'mqtt-ws': { what: 'MQTT over WebSocket', flag: '--ws-port', env: 'RESABOX_FLEET_WS_PORT' },
};

/** One line: which listener, which port, why, and what sets it (`withFlag`: the CLI has the option; the demo only the variable). */
export function listenFailureLine(e: ListenError, withFlag = true): string {
  const s = LISTENER_SETTINGS[e.listener];
  return `error: ${e.code}: the ${s.what} port ${e.port} (${e.host ?? '0.0.0.0'}) cannot be opened: ${e.reason}; choose another with ${withFlag ? `${s.flag} or ` : ''}${s.env}`;
}

export function serveOptions(argv: string[]): FleetServiceOptions {
  const f = parseFlags(argv, {
    'data-dir': { type: 'string' },
    store: { type: 'string' },
    'http-host': { type: 'string' },
    'http-port': { type: 'string' },
    'mqtt-port': { type: 'string' },
    'mqtt-host': { type: 'string' },
    'mqtts-port': { type: 'string' },
    'ws-port': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'trust-proxy': { type: 'string' },
    'broker-url': { type: 'string' },
    'broker-username': { type: 'string' },
    'mosquitto-password-file': { type: 'string' },
    'mosquitto-acl-file': { type: 'string' },
    'mosquitto-pid-file': { type: 'string' },
    'public-mqtt-url': { type: 'string' },
    'public-repository-url': { type: 'string' },
    'max-artifact-mb': { type: 'string' },
    'box-keepalive-s': { type: 'string' },
    'box-offline-alert-s': { type: 'string' },
    'connect-rate': { type: 'string' },
    'repository-keys': { type: 'string' },
    instance: { type: 'string' },
    'smtp-url': { type: 'string' },
    'smtp-from': { type: 'string' },
  });
  const smtpUrl = flagOrEnv(f['smtp-url'], 'RESABOX_FLEET_SMTP_URL');
  if (smtpUrl !== undefined && !/^smtps?:\/\/[^\s]+$/.test(smtpUrl)) throw new UsageError('--smtp-url is smtp://host:port or smtps://host:port');
  const repositoryKeysDir = flagOrEnv(f['repository-keys'], 'RESABOX_FLEET_REPOSITORY_KEYS');
  const seconds = (v: string | undefined, flag: string) => {
    if (v === undefined) return undefined;
    if (!/^[1-9][0-9]{0,5}$/.test(v)) throw new UsageError(`${flag} is a whole number of seconds`);
    return Number(v) * 1000;
  };
  const keepaliveMs = seconds(flagOrEnv(f['box-keepalive-s'], 'RESABOX_FLEET_BOX_KEEPALIVE_S'), '--box-keepalive-s');
  const offlineAlertMs = seconds(flagOrEnv(f['box-offline-alert-s'], 'RESABOX_FLEET_BOX_OFFLINE_ALERT_S'), '--box-offline-alert-s');
  const maxArtifactMb = flagOrEnv(f['max-artifact-mb'], 'RESABOX_FLEET_MAX_ARTIFACT_MB');
  if (maxArtifactMb !== undefined && !/^[1-9][0-9]{0,5}$/.test(maxArtifactMb)) throw new UsageError('--max-artifact-mb is a whole number of MiB');
  const certFile = flagOrEnv(f['tls-cert'], 'RESABOX_FLEET_TLS_CERT');
  const keyFile = flagOrEnv(f['tls-key'], 'RESABOX_FLEET_TLS_KEY');
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const tls = certFile && keyFile ? { cert: readFileSync(certFile), key: readFileSync(keyFile) } : undefined;
  const mqttsPort = port(flagOrEnv(f['mqtts-port'], 'RESABOX_FLEET_MQTTS_PORT'), '--mqtts-port');
  if (mqttsPort !== undefined && !tls) throw new UsageError('--mqtts-port needs --tls-cert and --tls-key');
  const wsPort = port(flagOrEnv(f['ws-port'], 'RESABOX_FLEET_WS_PORT'), '--ws-port');
  const mqttHost = flagOrEnv(f['mqtt-host'], 'RESABOX_FLEET_MQTT_HOST');
  const host = mqttHost === undefined ? {} : { host: mqttHost };
  const mqttListen: ListenOptions = {
    tcp: { port: port(flagOrEnv(f['mqtt-port'], 'RESABOX_FLEET_MQTT_PORT', '1883'), '--mqtt-port') as number, ...host },
    ...(mqttsPort !== undefined && tls ? { tls: { port: mqttsPort, cert: tls.cert, key: tls.key, ...host } } : {}),
    ...(wsPort !== undefined ? { ws: { port: wsPort, ...host } } : {}),
  };
  const brokerUrl = flagOrEnv(f['broker-url'], 'RESABOX_FLEET_BROKER_URL');
  const connectRate = flagOrEnv(f['connect-rate'], 'RESABOX_FLEET_CONNECT_RATE');
  if (connectRate !== undefined && !/^[1-9][0-9]{0,5}$/.test(connectRate)) throw new UsageError('--connect-rate is a whole number of connections per second (1 or more)');
  // Mosquitto has no connect-rate limit of its own: refusing the option beats ignoring it.
  if (connectRate !== undefined && brokerUrl) throw new UsageError('--connect-rate applies to the embedded broker only, not with --broker-url');
  let externalBroker: FleetServiceOptions['externalBroker'];
  if (brokerUrl) {
    const password = process.env.RESABOX_FLEET_BROKER_PASSWORD;
    if (!password) throw new UsageError('an external broker needs RESABOX_FLEET_BROKER_PASSWORD in the environment');
    const username = flagOrEnv(f['broker-username'], 'RESABOX_FLEET_BROKER_USERNAME', '_fleet') as string;
    const pw = f['mosquitto-password-file'];
    const acl = f['mosquitto-acl-file'];
    const pidFile = f['mosquitto-pid-file'];
    if ((pw === undefined) !== (acl === undefined)) throw new UsageError('--mosquitto-password-file and --mosquitto-acl-file go together');
    externalBroker = {
      url: brokerUrl,
      username,
      password,
      ...(pw && acl
        ? {
            mosquitto: {
              passwordFile: pw,
              aclFile: acl,
              reload: () => {
                if (pidFile) process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGHUP');
              },
            },
          }
        : {}),
    };
  }
  const dataDir = flagOrEnv(f['data-dir'], 'RESABOX_FLEET_DATA_DIR', './data') as string;
  const store = storeSpec(f.store, dataDir);
  const instance = flagOrEnv(f.instance, 'RESABOX_FLEET_INSTANCE');
  if (instance !== undefined) {
    if (!/^[A-Za-z0-9_.-]{1,40}$/.test(instance)) throw new UsageError('--instance is 1 to 40 letters, digits, "_", "." or "-"');
    if (!externalBroker || !/^postgres(ql)?:\/\//.test(store)) throw new UsageError('--instance needs --store postgres://... and --broker-url: several instances share PostgreSQL and an external broker');
  }
  return {
    dataDir,
    store,
    ...(instance !== undefined ? { instance } : {}),
    clock: systemClock,
    logger: createLogger('fleet'),
    mqttListen,
    externalBroker,
    publicMqttUrl: flagOrEnv(f['public-mqtt-url'], 'RESABOX_FLEET_PUBLIC_MQTT_URL'),
    publicRepositoryUrl: flagOrEnv(f['public-repository-url'], 'RESABOX_FLEET_PUBLIC_REPOSITORY_URL'),
    ...(maxArtifactMb !== undefined ? { maxArtifactBytes: Number(maxArtifactMb) * 1024 * 1024 } : {}),
    ...(repositoryKeysDir ? { repositoryKeysDir } : {}),
    ...(keepaliveMs !== undefined ? { presenceGraceMs: Math.round(1.5 * keepaliveMs) } : {}),
    ...(offlineAlertMs !== undefined ? { boxOfflineAfterMs: offlineAlertMs } : {}),
    ...(connectRate !== undefined ? { admission: admissionAtRate(Number(connectRate)) } : {}),
    ...(smtpUrl !== undefined ? { notifications: { smtp: { url: smtpUrl, from: flagOrEnv(f['smtp-from'], 'RESABOX_FLEET_SMTP_FROM', 'resabox-fleet@localhost') as string } } } : {}),
    http: {
      host: flagOrEnv(f['http-host'], 'RESABOX_FLEET_HTTP_HOST', '0.0.0.0') as string,
      port: port(flagOrEnv(f['http-port'], 'RESABOX_FLEET_HTTP_PORT', '8080'), '--http-port') as number,
      tls,
      trustProxy: trustProxyOf(flagOrEnv(f['trust-proxy'], 'RESABOX_FLEET_TRUST_PROXY')),
    },
    processMetrics: true,
  };
}

function trustProxyOf(v: string | undefined): boolean | string | undefined {
  if (v === undefined) return undefined;
  return v === 'true' ? true : v === 'false' ? false : v;
}

/** Starts the service and stops it cleanly on SIGINT/SIGTERM. Resolves when stopped. */
export async function runUntilSignal(options: FleetServiceOptions, onStarted: (svc: FleetService) => void): Promise<void> {
  const svc = await startFleetService(options);
  onStarted(svc);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void svc.close().then(resolve, (e: unknown) => {
        options.logger.error({ err: e }, 'fleet stopped with an error');
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
