import type { CodedError } from '../../protocol/core/result.ts';
import type { UpdateState } from '../../protocol/mqtt/index.ts';
import type { Sql } from '../store/sql.ts';
import type { BoxState, RolloutState } from './machine.ts';

export interface RolloutTarget {
  boxes: string[];
  clubs: string[];
  tags: string[];
}

export interface ArtifactRow {
  targetName: string;
  length: number;
  sha256: string;
  sha512: string;
  uploadedBy: string;
  ticket: string | null;
  uploadedAt: number;
}

export interface RolloutRow {
  id: string;
  name: string;
  state: RolloutState;
  version: string;
  targetName: string;
  channel: string;
  hardware: string;
  target: RolloutTarget;
  canary: number;
  percents: number[];
  currentWave: number;
  successThresholdPct: number;
  errorThresholdPct: number;
  maxAttempts: number;
  jobTimeoutMs: number;
  prefetch: boolean;
  maintenance: { outsideOpeningHours: boolean; idleMinutes: number | null };
  haltReason: string | null;
  createdBy: string;
  ticket: string | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface RolloutBoxRow {
  rolloutId: string;
  boxId: string;
  clubId: string | null;
  wave: number;
  state: BoxState;
  attempts: number;
  jobId: string | null;
  updateState: UpdateState | null;
  lastError: CodedError | null;
  prefetched: boolean;
  abortSent: boolean;
  joinedLate: boolean;
  lastChangeAt: number;
}

interface RawRollout {
  id: string; name: string; state: RolloutState; version: string; target_name: string; channel: string; hardware: string; target: string;
  canary: number; percents: string; current_wave: number; success_pct: number; error_pct: number; max_attempts: number; job_timeout_ms: number;
  prefetch: number; outside_opening_hours: number; idle_minutes: number | null; halt_reason: string | null; created_by: string; ticket: string | null;
  created_at: number; updated_at: number; started_at: number | null; finished_at: number | null;
}

interface RawBox {
  rollout_id: string; box_id: string; club_id: string | null; wave: number; state: BoxState; attempts: number; job_id: string | null; update_state: UpdateState | null;
  last_error: string | null; prefetched: number; abort_sent: number; joined_late: number; last_change_at: number;
}

const toRollout = (r: RawRollout): RolloutRow => ({
  id: r.id,
  name: r.name,
  state: r.state,
  version: r.version,
  targetName: r.target_name,
  channel: r.channel,
  hardware: r.hardware,
  target: JSON.parse(r.target) as RolloutTarget,
  canary: r.canary,
  percents: JSON.parse(r.percents) as number[],
  currentWave: r.current_wave,
  successThresholdPct: r.success_pct,
  errorThresholdPct: r.error_pct,
  maxAttempts: r.max_attempts,
  jobTimeoutMs: r.job_timeout_ms,
  prefetch: r.prefetch === 1,
  maintenance: { outsideOpeningHours: r.outside_opening_hours === 1, idleMinutes: r.idle_minutes },
  haltReason: r.halt_reason,
  createdBy: r.created_by,
  ticket: r.ticket,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

const toBox = (r: RawBox): RolloutBoxRow => ({
  rolloutId: r.rollout_id,
  boxId: r.box_id,
  clubId: r.club_id,
  wave: r.wave,
  state: r.state,
  attempts: r.attempts,
  jobId: r.job_id,
  updateState: r.update_state,
  lastError: r.last_error === null ? null : (JSON.parse(r.last_error) as CodedError),
  prefetched: r.prefetched === 1,
  abortSent: r.abort_sent === 1,
  joinedLate: r.joined_late === 1,
  lastChangeAt: r.last_change_at,
});

const SELECT_BOXES = 'SELECT rb.*, b.club_id FROM rollout_boxes rb JOIN boxes b ON b.id = rb.box_id';

export interface RolloutStore {
  insertArtifact(a: ArtifactRow): Promise<void>;
  getArtifact(name: string): Promise<ArtifactRow | undefined>;
  listArtifacts(): Promise<ArtifactRow[]>;
  insertRollout(r: RolloutRow, boxes: readonly { boxId: string; wave: number }[]): Promise<void>;
  addBox(rolloutId: string, boxId: string, wave: number, late: boolean, now: number): Promise<void>;
  get(id: string): Promise<RolloutRow | undefined>;
  list(state: RolloutState | undefined, limit: number): Promise<RolloutRow[]>;
  live(): Promise<RolloutRow[]>;
  setState(id: string, state: RolloutState, now: number, extra?: { haltReason?: string; currentWave?: number }): Promise<void>;
  setCurrentWave(id: string, wave: number, now: number): Promise<void>;
  boxes(rolloutId: string): Promise<RolloutBoxRow[]>;
  box(rolloutId: string, boxId: string): Promise<RolloutBoxRow | undefined>;
  boxHistory(boxId: string, limit: number): Promise<RolloutBoxRow[]>;
  updateBox(rolloutId: string, boxId: string, patch: Partial<Pick<RolloutBoxRow, 'state' | 'attempts' | 'jobId' | 'updateState' | 'lastError' | 'prefetched' | 'abortSent'>>, now: number): Promise<void>;
  resolveTarget(t: RolloutTarget): Promise<string[]>;
  busyElsewhere(rolloutId: string, boxIds: readonly string[]): Promise<string[]>;
  boxStatus(boxId: string): Promise<string | undefined>;
}

interface RawArtifact {
  target_name: string;
  length: number;
  sha256: string;
  sha512: string;
  uploaded_by: string;
  ticket: string | null;
  uploaded_at: number;
}

const toArtifact = (r: RawArtifact): ArtifactRow => ({
  targetName: r.target_name,
  length: r.length,
  sha256: r.sha256,
  sha512: r.sha512,
  uploadedBy: r.uploaded_by,
  ticket: r.ticket,
  uploadedAt: r.uploaded_at,
});

const insertBox = (sql: Sql, rolloutId: string, boxId: string, wave: number, late: boolean, now: number) =>
  sql.run("INSERT INTO rollout_boxes (rollout_id, box_id, wave, state, joined_late, last_change_at) VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING", [rolloutId, boxId, wave, late ? 1 : 0, now]);

/**
 * Artifacts, rollouts and their boxes (migration 200). `rowid` orders rows inserted in the
 * same millisecond: SQLite's own, a column of that name on PostgreSQL.
 */
export class SqlRolloutStore implements RolloutStore {
  constructor(private readonly sql: Sql) {}

  async insertArtifact(a: ArtifactRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO update_artifacts (target_name, length, sha256, sha512, uploaded_by, ticket, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(target_name) DO UPDATE SET length = excluded.length, sha256 = excluded.sha256, sha512 = excluded.sha512,
         uploaded_by = excluded.uploaded_by, ticket = excluded.ticket, uploaded_at = excluded.uploaded_at`,
      [a.targetName, a.length, a.sha256, a.sha512, a.uploadedBy, a.ticket, a.uploadedAt],
    );
  }

  async getArtifact(name: string): Promise<ArtifactRow | undefined> {
    const r = await this.sql.get<RawArtifact>('SELECT * FROM update_artifacts WHERE target_name = ?', [name]);
    return r && toArtifact(r);
  }

  async listArtifacts(): Promise<ArtifactRow[]> {
    return (await this.sql.all<RawArtifact>('SELECT * FROM update_artifacts ORDER BY uploaded_at DESC, rowid DESC')).map(toArtifact);
  }

  insertRollout(r: RolloutRow, boxes: readonly { boxId: string; wave: number }[]): Promise<void> {
    return this.sql.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO rollouts (id, name, state, version, target_name, channel, hardware, target, canary, percents, current_wave, success_pct, error_pct,
           max_attempts, job_timeout_ms, prefetch, outside_opening_hours, idle_minutes, halt_reason, created_by, ticket, created_at, updated_at, started_at, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          r.id, r.name, r.state, r.version, r.targetName, r.channel, r.hardware, JSON.stringify(r.target), r.canary, JSON.stringify(r.percents), r.currentWave,
          r.successThresholdPct, r.errorThresholdPct, r.maxAttempts, r.jobTimeoutMs, r.prefetch ? 1 : 0, r.maintenance.outsideOpeningHours ? 1 : 0,
          r.maintenance.idleMinutes, r.haltReason, r.createdBy, r.ticket, r.createdAt, r.updatedAt, r.startedAt, r.finishedAt,
        ],
      );
      for (const b of boxes) await insertBox(tx, r.id, b.boxId, b.wave, false, r.createdAt);
    });
  }

  async addBox(rolloutId: string, boxId: string, wave: number, late: boolean, now: number): Promise<void> {
    await insertBox(this.sql, rolloutId, boxId, wave, late, now);
  }

  async get(id: string): Promise<RolloutRow | undefined> {
    const r = await this.sql.get<RawRollout>('SELECT * FROM rollouts WHERE id = ?', [id]);
    return r && toRollout(r);
  }

  async list(state: RolloutState | undefined, limit: number): Promise<RolloutRow[]> {
    const rows =
      state === undefined
        ? await this.sql.all<RawRollout>('SELECT * FROM rollouts ORDER BY created_at DESC, rowid DESC LIMIT ?', [limit])
        : await this.sql.all<RawRollout>('SELECT * FROM rollouts WHERE state = ? ORDER BY created_at DESC, rowid DESC LIMIT ?', [state, limit]);
    return rows.map(toRollout);
  }

  /** Rollouts the engine still drives: running or paused, or halted/cancelled with boxes still in flight (aborts, late answers). */
  async live(): Promise<RolloutRow[]> {
    const rows = await this.sql.all<RawRollout>(
      `SELECT * FROM rollouts r WHERE r.state IN ('running', 'paused')
         OR (r.state IN ('halted', 'cancelled') AND EXISTS (SELECT 1 FROM rollout_boxes rb WHERE rb.rollout_id = r.id AND rb.state IN ('scheduled', 'in-progress')))
       ORDER BY r.created_at`,
    );
    return rows.map(toRollout);
  }

  async setState(id: string, state: RolloutState, now: number, extra: { haltReason?: string; currentWave?: number } = {}): Promise<void> {
    const finished = state === 'completed' || state === 'cancelled' ? now : null;
    await this.sql.run(
      `UPDATE rollouts SET state = ?, updated_at = ?, halt_reason = COALESCE(?, halt_reason), current_wave = COALESCE(?, current_wave),
         started_at = CASE WHEN ? = 'running' THEN COALESCE(started_at, ?) ELSE started_at END, finished_at = COALESCE(finished_at, ?) WHERE id = ?`,
      [state, now, extra.haltReason ?? null, extra.currentWave ?? null, state, now, finished, id],
    );
  }

  async setCurrentWave(id: string, wave: number, now: number): Promise<void> {
    await this.sql.run('UPDATE rollouts SET current_wave = ?, updated_at = ? WHERE id = ?', [wave, now, id]);
  }

  async boxes(rolloutId: string): Promise<RolloutBoxRow[]> {
    return (await this.sql.all<RawBox>(`${SELECT_BOXES} WHERE rb.rollout_id = ? ORDER BY rb.wave, rb.box_id`, [rolloutId])).map(toBox);
  }

  async box(rolloutId: string, boxId: string): Promise<RolloutBoxRow | undefined> {
    const r = await this.sql.get<RawBox>(`${SELECT_BOXES} WHERE rb.rollout_id = ? AND rb.box_id = ?`, [rolloutId, boxId]);
    return r && toBox(r);
  }

  /** Every rollout a box took part in, newest first. */
  async boxHistory(boxId: string, limit: number): Promise<RolloutBoxRow[]> {
    return (await this.sql.all<RawBox>(`${SELECT_BOXES} JOIN rollouts r ON r.id = rb.rollout_id WHERE rb.box_id = ? ORDER BY r.created_at DESC, r.rowid DESC LIMIT ?`, [boxId, limit])).map(toBox);
  }

  async updateBox(rolloutId: string, boxId: string, patch: Partial<Pick<RolloutBoxRow, 'state' | 'attempts' | 'jobId' | 'updateState' | 'lastError' | 'prefetched' | 'abortSent'>>, now: number): Promise<void> {
    const cols: string[] = ['last_change_at = ?'];
    const args: unknown[] = [now];
    const set = (col: string, v: unknown) => {
      cols.push(`${col} = ?`);
      args.push(v);
    };
    if (patch.state !== undefined) set('state', patch.state);
    if (patch.attempts !== undefined) set('attempts', patch.attempts);
    if (patch.jobId !== undefined) set('job_id', patch.jobId);
    if (patch.updateState !== undefined) set('update_state', patch.updateState);
    if (patch.lastError !== undefined) set('last_error', patch.lastError === null ? null : JSON.stringify(patch.lastError));
    if (patch.prefetched !== undefined) set('prefetched', patch.prefetched ? 1 : 0);
    if (patch.abortSent !== undefined) set('abort_sent', patch.abortSent ? 1 : 0);
    await this.sql.run(`UPDATE rollout_boxes SET ${cols.join(', ')} WHERE rollout_id = ? AND box_id = ?`, [...args, rolloutId, boxId]);
  }

  /** Active boxes matching the target (any listed box, any box of a listed club, any box with a listed tag). */
  async resolveTarget(t: RolloutTarget): Promise<string[]> {
    const ids = new Set<string>();
    const q = async (text: string, v: string) => (await this.sql.all<{ id: string }>(text, [v])).forEach((r) => ids.add(r.id));
    for (const id of t.boxes) await q("SELECT id FROM boxes WHERE id = ? AND status = 'active'", id);
    for (const c of t.clubs) await q("SELECT id FROM boxes WHERE club_id = ? AND status = 'active'", c);
    for (const tag of t.tags) await q("SELECT b.id FROM boxes b JOIN box_tags t ON t.box_id = b.id WHERE t.tag = ? AND b.status = 'active'", tag);
    return [...ids].sort();
  }

  /** Boxes of the list that are unfinished in another running, paused or halted rollout. */
  async busyElsewhere(rolloutId: string, boxIds: readonly string[]): Promise<string[]> {
    const busy: string[] = [];
    for (const id of boxIds) {
      const hit = await this.sql.get(
        `SELECT 1 FROM rollout_boxes rb JOIN rollouts r ON r.id = rb.rollout_id
         WHERE rb.box_id = ? AND rb.rollout_id != ? AND r.state IN ('running', 'paused', 'halted') AND rb.state IN ('pending', 'scheduled', 'in-progress')`,
        [id, rolloutId],
      );
      if (hit !== undefined) busy.push(id);
    }
    return busy;
  }

  async boxStatus(boxId: string): Promise<string | undefined> {
    return (await this.sql.get<{ status: string }>('SELECT status FROM boxes WHERE id = ?', [boxId]))?.status;
  }
}
