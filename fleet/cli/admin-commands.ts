import { userInfo } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../platform/clock.ts';
import { silentLogger } from '../../platform/log.ts';
import { ApiError } from '../api/errors.ts';
import { createBoxAccess } from '../broker/box-access.ts';
import { EnrollmentService } from '../enrollment/service.ts';
import { newId } from '../enrollment/secrets.ts';
import { AuditTrail } from '../store/audit-trail.ts';
import { BoxDirectory } from '../store/box-directory.ts';
import { EnrollmentRequests } from '../store/enrollment-requests.ts';
import { openSqliteStore, type SqliteFleetStore } from '../store/sqlite-store.ts';
import { isRole, ROLES, TokenRegistry } from '../store/token-registry.ts';
import { flagOrEnv, parseFlags, required, UsageError } from './args.ts';

const DATA_DIR = { 'data-dir': { type: 'string' } } as const;
const dataDirHelp = '  --data-dir DIR      fleet data folder (env RESABOX_FLEET_DATA_DIR, default ./data)';

export interface AdminCommand {
  usage: string;
  help: string;
  run(argv: string[], out: (line: string) => void): void;
}

/** Opens the store of the data dir, runs `fn` and writes the audit row of a change made from the CLI. */
function withStore<T>(dataDir: string | undefined, fn: (store: SqliteFleetStore, audit: (action: string, target: string, detail: unknown) => void) => T): T {
  const store = openSqliteStore(join(flagOrEnv(dataDir, 'RESABOX_FLEET_DATA_DIR', './data') as string, 'fleet.db'));
  try {
    const trail = new AuditTrail(store.db);
    const actor = `cli:${userInfo().username}`;
    return fn(store, (action, target, detail) => trail.append({ at: systemClock.now(), actor, actorRole: 'admin', action, target, ticket: null, detail, sourceIp: null }));
  } catch (e) {
    if (e instanceof ApiError) throw new Error(`${e.code}: ${e.message}`);
    throw e;
  } finally {
    store.close();
  }
}

function enrollmentOf(store: SqliteFleetStore): EnrollmentService {
  return new EnrollmentService({
    db: store.db,
    boxes: new BoxDirectory(store.db),
    requests: new EnrollmentRequests(store.db),
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
    run(argv, out) {
      const f = parseFlags(argv, { role: { type: 'string' }, name: { type: 'string' }, 'expires-days': { type: 'string' }, ...DATA_DIR });
      const role = required(f.role, '--role');
      if (!isRole(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const name = required(f.name, '--name');
      const days = f['expires-days'] === undefined ? null : Number(f['expires-days']);
      if (days !== null && !(days > 0)) throw new UsageError('--expires-days must be a positive number');
      withStore(f['data-dir'], (store, audit) => {
        const now = systemClock.now();
        const { token, row } = new TokenRegistry(store.db).create(name, role, now, days === null ? null : now + days * 86_400_000);
        audit('token.create', row.id, { name, role });
        out(`token id: ${row.id} (role ${role})`);
        out(token);
      });
    },
  },
  'token list': {
    usage: 'token list [--data-dir DIR]',
    help: `Lists API tokens (never the tokens themselves).\n${dataDirHelp}`,
    run(argv, out) {
      const f = parseFlags(argv, DATA_DIR);
      withStore(f['data-dir'], (store) => {
        for (const t of new TokenRegistry(store.db).list()) out(`${t.id}\t${t.role}\t${t.name}\t${t.revokedAt ? 'revoked' : 'active'}`);
      });
    },
  },
  'token revoke': {
    usage: 'token revoke --id TOKEN_ID [--data-dir DIR]',
    help: `Revokes an API token at once.\n  --id TOKEN_ID       as printed by token create / token list\n${dataDirHelp}`,
    run(argv, out) {
      const f = parseFlags(argv, { id: { type: 'string' }, ...DATA_DIR });
      const id = required(f.id, '--id');
      withStore(f['data-dir'], (store, audit) => {
        if (!new TokenRegistry(store.db).revoke(id, systemClock.now())) throw new Error(`TOKEN_NOT_FOUND: no active token ${id}`);
        audit('token.revoke', id, {});
        out(`revoked ${id}`);
      });
    },
  },
  'club create': {
    usage: 'club create --id CLUB --name NAME --timezone TZ [--data-dir DIR]',
    help: `Creates or updates a club.\n  --id CLUB           club id (letters, digits, . _ : -)\n  --name NAME\n  --timezone TZ       IANA time zone, e.g. Europe/Paris\n${dataDirHelp}`,
    run(argv, out) {
      const f = parseFlags(argv, { id: { type: 'string' }, name: { type: 'string' }, timezone: { type: 'string' }, ...DATA_DIR });
      const id = required(f.id, '--id');
      if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(id)) throw new UsageError('--id: letters, digits, . _ : - only');
      const timezone = required(f.timezone, '--timezone');
      try {
        new Intl.DateTimeFormat('en', { timeZone: timezone });
      } catch {
        throw new UsageError(`--timezone: ${timezone} is not an IANA time zone`);
      }
      withStore(f['data-dir'], (store, audit) => {
        new BoxDirectory(store.db).upsertClub({ id, name: required(f.name, '--name'), timezone, openingHours: {} }, systemClock.now());
        audit('club.upsert', id, { timezone });
        out(`club ${id} saved`);
      });
    },
  },
  'box create': {
    usage: 'box create --club CLUB [--id BOX_ID] [--name NAME] [--tag TAG]... [--data-dir DIR]',
    help: `Creates a pending box and prints its single-use enrollment code (valid 24 h).\n  --club CLUB         the club the box belongs to\n  --id BOX_ID         box id (lower-case letters, digits, -); generated if absent\n  --name NAME\n  --tag TAG           repeatable\n${dataDirHelp}`,
    run(argv, out) {
      const f = parseFlags(argv, { club: { type: 'string' }, id: { type: 'string' }, name: { type: 'string' }, tag: { type: 'string', multiple: true }, ...DATA_DIR });
      const id = f.id ?? `box-${newId('').slice(0, 12)}`;
      if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(id)) throw new UsageError('--id: 2-63 lower-case letters, digits and -');
      withStore(f['data-dir'], (store, audit) => {
        const r = enrollmentOf(store).createBox({ id, clubId: required(f.club, '--club'), name: f.name ?? '', tags: f.tag ?? [] }, `cli:${userInfo().username}`);
        audit('box.create', id, { clubId: f.club, tags: f.tag ?? [] });
        out(`box ${id} created (pending)`);
        out(`enrollment code: ${r.code} (expires ${new Date(r.expiresAt).toISOString()})`);
      });
    },
  },
  'enrollment-code create': {
    usage: 'enrollment-code create --club CLUB [--tag TAG]... [--data-dir DIR]',
    help: `Prints a single-use club enrollment code (valid 24 h): the box that presents it becomes a pending box of the club.\n  --club CLUB\n  --tag TAG           tags given to that box, repeatable\n${dataDirHelp}`,
    run(argv, out) {
      const f = parseFlags(argv, { club: { type: 'string' }, tag: { type: 'string', multiple: true }, ...DATA_DIR });
      const club = required(f.club, '--club');
      withStore(f['data-dir'], (store, audit) => {
        const r = enrollmentOf(store).codeForClub(club, f.tag ?? [], `cli:${userInfo().username}`);
        audit('enrollment-code.create', club, { tags: f.tag ?? [] });
        out(`enrollment code: ${r.code} (expires ${new Date(r.expiresAt).toISOString()})`);
      });
    },
  },
};
