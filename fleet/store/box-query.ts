import type { Dialect } from './sql.ts';
import { Where } from './where.ts';

/** How the box list can be ordered (the API's `sort`); every order ends with the id, so pages never overlap. */
export const BOX_SORTS = ['id', 'name', 'club', 'status', 'online', 'version', 'hardware', 'lastSeen', 'openAlerts'] as const;
export type BoxSort = (typeof BOX_SORTS)[number];

export interface BoxQuery {
  /** Part of the id, the name or the club's name, any case. */
  q?: string;
  clubId?: string;
  tag?: string;
  agentVersion?: string;
  hardware?: string;
  status?: 'pending' | 'active' | 'revoked';
  online?: boolean;
  /** true: boxes with at least one open alert; false: boxes with none. */
  openAlerts?: boolean;
  sort?: BoxSort;
  order?: 'asc' | 'desc';
}

/** The hardware model from the box's last state message (a TEXT column holding JSON). */
export const hardwareSql = (d: Dialect): string => d.jsonText('b.last_state', 'hardware');
export const OPEN_ALERTS_SQL = "(SELECT COUNT(*) FROM alerts a WHERE a.box_id = b.id AND a.status = 'open')";
/** The rows the list reads: boxes, with their club's name beside them. */
export const BOX_FROM = 'FROM boxes b LEFT JOIN clubs c ON c.id = b.club_id';

const sortSql = (d: Dialect): Record<BoxSort, string> => ({
  id: 'b.id',
  name: 'lower(b.name)',
  club: 'lower(c.name)',
  status: 'b.status',
  online: 'b.online',
  version: 'b.agent_version',
  hardware: hardwareSql(d),
  lastSeen: 'b.last_seen_at',
  openAlerts: OPEN_ALERTS_SQL,
});

/** `%text%` for LIKE, with the user's own % _ and \ taken literally. */
const contains = (text: string): string => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The WHERE clause of a box query, over `b` (boxes) and `c` (clubs), in the SQL SQLite and PostgreSQL share. */
export function boxWhere(f: BoxQuery, d: Dialect): Where {
  const w = new Where()
    .add('b.club_id = ?', f.clubId)
    .add('b.agent_version = ?', f.agentVersion)
    .add(`${hardwareSql(d)} = ?`, f.hardware)
    .add('b.status = ?', f.status)
    .add('b.online = ?', f.online === undefined ? undefined : f.online ? 1 : 0)
    .add('EXISTS (SELECT 1 FROM box_tags t WHERE t.box_id = b.id AND t.tag = ?)', f.tag);
  if (f.openAlerts !== undefined) w.clauses.push(`${f.openAlerts ? '' : 'NOT '}EXISTS (SELECT 1 FROM alerts a WHERE a.box_id = b.id AND a.status = 'open')`);
  const q = f.q?.trim();
  if (q) {
    w.clauses.push("(lower(b.id) LIKE ? ESCAPE '\\' OR lower(b.name) LIKE ? ESCAPE '\\' OR lower(coalesce(c.name, '')) LIKE ? ESCAPE '\\')");
    const like = contains(q);
    w.args.push(like, like, like);
  }
  return w;
}

/** ORDER BY of a box query: empty values last in either direction (both engines), then the id. */
export function boxOrder(f: BoxQuery, d: Dialect): string {
  const dir = f.order === 'desc' ? 'DESC' : 'ASC';
  const key = sortSql(d)[f.sort ?? 'id'];
  return key === 'b.id' ? `ORDER BY b.id ${dir}` : `ORDER BY (${key} IS NULL), ${key} ${dir}, b.id ${dir}`;
}
