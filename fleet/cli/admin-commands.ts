import { userInfo } from 'node:os';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { ApiError } from '../api/errors.ts';
import { createBoxAccess } from '../broker/box-access.ts';
import { EnrollmentService } from '../enrollment/service.ts';
import { newId } from '../enrollment/secrets.ts';
import type { FleetStore } from '../store/repositories.ts';
import { openStore, storeSpec } from '../store/open-store.ts';
import { isRole, ROLES } from '../store/token-registry.ts';
import { flagOrEnv, parseFlags, required, UsageError } from './args.ts';
import { migrateStoreCommand } from './migrate-store-command.ts';

const DATA_DIR = { 'data-dir': { type: 'string' } } as const;
const dataDirHelp = '  --data-dir DIR      fleet data folder (env RESABOX_FLEET_DATA_DIR, default ./data); env RESABOX_FLEET_STORE=postgres://... uses PostgreSQL instead';

export interface AdminCommand {
  usage: string;
  help: string;
  run(argv: string[], out: (line: string) => void): Promise<void>;
}

/** Opens the store of the data dir, runs `fn` and writes the audit row of a change made from the CLI. */
async function withStore<T>(dataDir: string | undefined, fn: (store: FleetStore, audit: (action: string, target: string, detail: unknown) => Promise<unknown>) => Promise<T>): Promise<T> {
  const store = await openStore(storeSpec(undefined, flagOrEnv(dataDir, 'RESABOX_FLEET_DATA_DIR', './data') as string));
  try {
    const actor = `cli:${userInfo().username}`;
    return await fn(store, (action, target, detail) => store.audit.append({ at: systemClock.now(), actor, actorRole: 'admin', action, target, ticket: null, detail, sourceIp: null }));
  } catch (e) {
    if (e instanceof ApiError) throw new Error(`${e.code}: ${e.message}`);
    throw e;
  } finally {
    await store.close();
  }
}

function enrollmentOf(store: FleetStore): EnrollmentService {
  return new EnrollmentService({
    store,
    clock: systemClock,
    logger: silentLogger,
    // Issuing and revoking need the running broker: the CLI only makes boxes and codes.
    access: createBoxAccess(store.boxes, { credentialsChanged: () => undefined, disconnectBox: () => undefined }, systemClock),
    mqttUrl: '',
    codeTtlMs: 24 * 3600_000,
  });
}

export const ADMIN_COMMANDS: Record<string, AdminCommand> = {
  'token create': {
    usage: 'token create --role ROLE --name NAME [--expires-days N] [--data-dir DIR]',
    help: `Creates an API token and prints it once (only its hash is stored).\n  --role ROLE         one of ${ROLES.join(', ')}\n  --name NAME         who or what uses it (shown in the audit log)\n  --expires-days N    optional lifetime\n${dataDirHelp}`,
    async run(argv, out) {
      const f = parseFlags(argv, { role: { type: 'string' }, name: { type: 'string' }, 'expires-days': { type: 'string' }, ...DATA_DIR });
      const role = required(f.role, '--role');
      if (!isRole(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const name = required(f.name, '--name');
      const days = f['expires-days'] === undefined ? null : Number(f['expires-days']);
      if (days !== null && !(days > 0)) throw new UsageError('--expires-days must be a positive number');
      await withStore(f['data-dir'], async (store, audit) => {
        const now = systemClock.now();
        const { token, row } = await store.tokens.create(name, role, now, days === null ? null : now + days * 86_400_000);
        await audit('token.create', row.id, { name, role });
        out(`token id: ${row.id} (role ${role})`);
        out(token);
      });
    },
  },
  'token list': {
    usage: 'token list [--data-dir DIR]',
    help: `Lists API tokens (never the tokens themselves).\n${dataDirHelp}`,
    async run(argv, out) {
      const f = parseFlags(argv, DATA_DIR);
      await withStore(f['data-dir'], async (store) => {
        for (const t of await store.tokens.list()) out(`${t.id}\t${t.role}\t${t.name}\t${t.revokedAt ? 'revoked' : 'active'}`);
      });
    },
  },
  'token revoke': {
    usage: 'token revoke --id TOKEN_ID [--data-dir DIR]',
    help: `Revokes an API token at once.\n  --id TOKEN_ID       as printed by token create / token list\n${dataDirHelp}`,
    async run(argv, out) {
      const f = parseFlags(argv, { id: { type: 'string' }, ...DATA_DIR });
      const id = required(f.id, '--id');
      await withStore(f['data-dir'], async (store, audit) => {
        if (!(await store.tokens.revoke(id, systemClock.now()))) throw new Error(`TOKEN_NOT_FOUND: no active token ${id}`);
        await audit('token.revoke', id, {});
        out(`revoked ${id}`);
      });
    },
  },
  'club create': {
    usage: 'club create --id CLUB --name NAME --timezone TZ [--data-dir DIR]',
    help: `Creates or updates a club.\n  --id CLUB           club id (letters, digits, . _ : -)\n  --name NAME\n  --timezone TZ       IANA time zone, e.g. Europe/Paris\n${dataDirHelp}`,
    async run(argv, out) {
      const f = parseFlags(argv, { id: { type: 'string' }, name: { type: 'string' }, timezone: { type: 'string' }, ...DATA_DIR });
      const id = required(f.id, '--id');
      if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(id)) throw new UsageError('--id: letters, digits, . _ : - only');
      const timezone = required(f.timezone, '--timezone');
      try {
        new Intl.DateTimeFormat('en', { timeZone: timezone });
      } catch {
        throw new UsageError(`--timezone: ${timezone} is not an IANA time zone`);
      }
      await withStore(f['data-dir'], async (store, audit) => {
        await store.directory.upsertClub({ id, name: required(f.name, '--name'), timezone, openingHours: {} }, systemClock.now());
        await audit('club.upsert', id, { timezone });
        out(`club ${id} saved`);
      });
    },
  },
  'box create': {
    usage: 'box create --club CLUB [--id BOX_ID] [--name NAME] [--tag TAG]... [--data-dir DIR]',
    help: `Creates a pending box and prints its single-use enrollment code (valid 24 h).\n  --club CLUB         the club the box belongs to\n  --id BOX_ID         box id (lower-case letters, digits, -); generated if absent\n  --name NAME\n  --tag TAG           repeatable\n${dataDirHelp}`,
    async run(argv, out) {
      const f = parseFlags(argv, { club: { type: 'string' }, id: { type: 'string' }, name: { type: 'string' }, tag: { type: 'string', multiple: true }, ...DATA_DIR });
      const id = f.id ?? `box-${newId('').slice(0, 12)}`;
      if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(id)) throw new UsageError('--id: 2-63 lower-case letters, digits and -');
      await withStore(f['data-dir'], async (store, audit) => {
        const r = await enrollmentOf(store).createBox({ id, clubId: required(f.club, '--club'), name: f.name ?? '', tags: f.tag ?? [] }, `cli:${userInfo().username}`);
        await audit('box.create', id, { clubId: f.club, tags: f.tag ?? [] });
        out(`box ${id} created (pending)`);
        out(`enrollment code: ${r.code} (expires ${new Date(r.expiresAt).toISOString()})`);
      });
    },
  },
  'enrollment-code create': {
    usage: 'enrollment-code create --club CLUB [--tag TAG]... [--data-dir DIR]',
    help: `Prints a single-use club enrollment code (valid 24 h): the box that presents it becomes a pending box of the club.\n  --club CLUB\n  --tag TAG           tags given to that box, repeatable\n${dataDirHelp}`,
    async run(argv, out) {
      const f = parseFlags(argv, { club: { type: 'string' }, tag: { type: 'string', multiple: true }, ...DATA_DIR });
      const club = required(f.club, '--club');
      await withStore(f['data-dir'], async (store, audit) => {
        const r = await enrollmentOf(store).codeForClub(club, f.tag ?? [], `cli:${userInfo().username}`);
        await audit('enrollment-code.create', club, { tags: f.tag ?? [] });
        out(`enrollment code: ${r.code} (expires ${new Date(r.expiresAt).toISOString()})`);
      });
    },
  },
  'migrate-store': migrateStoreCommand,
};
