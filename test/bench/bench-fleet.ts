import type { ChildProcess } from 'node:child_process';
/**
 * A fleet for the benchmarks: N boxes with their secrets, seeded in a SQLite store, and the
 * fleet started on the embedded broker or on a Mosquitto it manages (password and ACL files).
 */
import { randomBytes, scrypt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdmissionOptions } from '../../fleet/broker/admission.ts';
import { defaultScryptParams, generateBoxSecret, mosquittoHash } from '../../fleet/broker/credentials.ts';
import { renderAclFile, renderMosquittoConf, renderPasswordFile } from '../../fleet/broker/mosquitto-auth.ts';
import { createFleet, type Fleet } from '../../fleet/service.ts';
import { openSqliteStore } from '../../fleet/store/sqlite-store.ts';
import { silentLogger } from '../../platform/log.ts';
import { startMosquitto, type MosquittoProcess } from '../support/mosquitto.ts';

export interface BenchBox {
  id: string;
  secret: string;
  hash: string;
  brokerHash: string;
}

export type BrokerKind = 'embedded aedes' | 'Mosquitto';

const SERVICE = { username: '_fleet', password: randomBytes(16).toString('hex') };

/** Same format as hashSecret(), but on the thread pool so that N boxes are ready in seconds. */
function hashAsync(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const { N: n, r, p } = defaultScryptParams;
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, 32, { N: n, r, p, maxmem: 256 * n * r }, (e, key) => (e ? reject(e) : resolve(['scrypt', n, r, p, salt.toString('base64'), key.toString('base64')].join('$')))),
  );
}

export function makeBoxes(n: number): Promise<BenchBox[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const secret = generateBoxSecret();
      return { id: `box-${String(i).padStart(5, '0')}`, secret, hash: await hashAsync(secret), brokerHash: mosquittoHash(secret) };
    }),
  );
}

export interface BenchFleet {
  readonly fleet: Fleet;
  /** The URL boxes connect to. */
  readonly url: string;
  readonly mosquitto?: MosquittoProcess;
  stop(): Promise<void>;
}

/** Seeds `boxes` (active, with their secrets) in a new store in `dir`, then starts the fleet on the broker asked. */
/** `admission`: the embedded broker's (default: the product's default). */
export async function startBenchFleet(kind: BrokerKind, boxes: readonly BenchBox[], dir: string, admission?: AdmissionOptions | false): Promise<BenchFleet> {
  const db = join(dir, `${kind === 'Mosquitto' ? 'mosquitto' : 'embedded'}-${randomBytes(3).toString('hex')}.db`);
  const seed = openSqliteStore(db);
  const now = Date.now();
  await seed.transaction(async (tx) => {
    for (const b of boxes) {
      await tx.boxes.create({ id: b.id, status: 'active' }, now);
      await tx.boxes.setCredential(b.id, { credentialHash: b.hash, brokerCredentialHash: b.brokerHash });
    }
  });
  await seed.close();
  if (kind === 'embedded aedes') {
    const fleet = await createFleet({ databasePath: db, broker: { kind: 'embedded', listen: { tcp: { port: 0, host: '127.0.0.1' } }, ...(admission !== undefined ? { admission } : {}) }, logger: silentLogger });
    return { fleet, url: `mqtt://127.0.0.1:${fleet.broker?.addresses.tcp}`, stop: () => fleet.close() };
  }
  const m = await startMosquitto({
    maxOpenFiles: 65536,
    writeAuth: (pw, acl) => {
      writeFileSync(pw, renderPasswordFile([{ username: SERVICE.username, hash: mosquittoHash(SERVICE.password) }]));
      writeFileSync(acl, renderAclFile(SERVICE.username));
    },
    conf: ({ passwordFile, aclFile, port }) => `${renderMosquittoConf({ passwordFile, aclFile, maxPacketBytes: 600 * 1024, listeners: [`listener ${port} 127.0.0.1`] })}persistence false\nmax_connections -1\nmax_queued_messages 10000\nlog_type error\n`,
  });
  const url = `mqtt://127.0.0.1:${m.port}`;
  const fleet = await createFleet({ databasePath: db, broker: { kind: 'external', url, ...SERVICE, mosquitto: { passwordFile: m.passwordFile, aclFile: m.aclFile, reload: () => m.reload() } }, logger: silentLogger });
  await new Promise((r) => setTimeout(r, 500)); // Mosquitto re-reads the password file after the fleet's SIGHUP
  return {
    fleet,
    url,
    mosquitto: m,
    stop: async () => {
      await fleet.close();
      await m.stop();
    },
  };
}

/** Stops simulator processes: SIGTERM, then SIGKILL for one still running 5 s later. */
export function stopChildren(children: readonly ChildProcess[]): Promise<void[]> {
  return Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          const t = setTimeout(() => c.kill('SIGKILL'), 5000);
          c.once('exit', () => (clearTimeout(t), resolve()));
          c.kill('SIGTERM');
        }),
    ),
  );
}

/** CPU seconds and RSS of another process, from /proc (Linux). */
export function procUsage(pid: number): { cpuS: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuS: ticks / 100, rssMb: rssKb / 1024 };
}
