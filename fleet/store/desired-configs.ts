import type { Sql } from './sql.ts';

export interface DesiredConfig {
  readonly boxId: string;
  readonly version: number;
  readonly config: Record<string, unknown>;
  readonly setBy: string;
  readonly ticket: string | null;
  readonly setAt: number;
}

interface Raw {
  box_id: string;
  version: number;
  config: string;
  set_by: string;
  ticket: string | null;
  set_at: number;
}

const toRow = (r: Raw): DesiredConfig => ({ boxId: r.box_id, version: r.version, config: JSON.parse(r.config) as Record<string, unknown>, setBy: r.set_by, ticket: r.ticket, setAt: r.set_at });

/** The desired configuration of each box (migration 400). */
export interface DesiredConfigRepository {
  get(boxId: string): Promise<DesiredConfig | undefined>;
  /** Replaces the box's desired configuration. */
  put(c: DesiredConfig): Promise<void>;
  list(): Promise<DesiredConfig[]>;
}

export class SqlDesiredConfigs implements DesiredConfigRepository {
  constructor(private readonly sql: Sql) {}

  async get(boxId: string): Promise<DesiredConfig | undefined> {
    const r = await this.sql.get<Raw>('SELECT * FROM config_desired WHERE box_id = ?', [boxId]);
    return r && toRow(r);
  }

  async put(c: DesiredConfig): Promise<void> {
    await this.sql.run(
      `INSERT INTO config_desired (box_id, version, config, set_by, ticket, set_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(box_id) DO UPDATE SET version = excluded.version, config = excluded.config, set_by = excluded.set_by, ticket = excluded.ticket, set_at = excluded.set_at`,
      [c.boxId, c.version, JSON.stringify(c.config), c.setBy, c.ticket, c.setAt],
    );
  }

  async list(): Promise<DesiredConfig[]> {
    return (await this.sql.all<Raw>('SELECT * FROM config_desired ORDER BY box_id')).map(toRow);
  }
}
