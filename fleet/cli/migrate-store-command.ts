import { migrateStore } from '../store/migrate-store.ts';
import { redact } from '../store/pg-store.ts';
import type { AdminCommand } from './admin-commands.ts';
import { parseFlags, required, UsageError } from './args.ts';

/** `resabox-fleet migrate-store`: an existing SQLite fleet moved to PostgreSQL (docs/operations.md). */
export const migrateStoreCommand: AdminCommand = {
  usage: 'migrate-store --from <sqlite file> --to postgres://...',
  help: [
    'Copies every table of a SQLite fleet store into an empty PostgreSQL database, in one',
    'transaction, then counts the rows of each table on both sides: any difference rolls the',
    'copy back. Stop the fleet first; start it again with --store postgres://... afterwards.',
    '  --from FILE         the SQLite store (the fleet keeps it at <data-dir>/fleet.db)',
    '  --to URL            postgres://user:password@host:port/database (an empty database)',
  ].join('\n'),
  async run(argv, out) {
    const f = parseFlags(argv, { from: { type: 'string' }, to: { type: 'string' } });
    const from = required(f.from, '--from');
    const to = required(f.to, '--to');
    if (!/^postgres(ql)?:\/\//.test(to)) throw new UsageError('--to must be a postgres:// URL');
    out(`copying ${from} -> ${redact(to)}`);
    const counts = await migrateStore(from, to);
    const width = Math.max(5, ...counts.map((c) => c.table.length));
    out(`${'table'.padEnd(width)}  ${'SQLite'.padStart(9)}  ${'PostgreSQL'.padStart(10)}`);
    for (const c of counts) out(`${c.table.padEnd(width)}  ${String(c.source).padStart(9)}  ${String(c.target).padStart(10)}`);
    out(`${counts.length} tables, ${counts.reduce((n, c) => n + c.target, 0)} rows copied; every count matches`);
  },
};
