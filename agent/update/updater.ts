import { join } from 'node:path';
import type { UpdateJobMessage, UpdateStatusMessage } from '../../protocol/mqtt/index.ts';
import { updateError, UpdateFailure, type UpdateError } from './errors.ts';
import { ABORTABLE, FINAL_STATES, handles, nextState, type MachineState, type UpdateEvent } from './machine.ts';
import { loadRecord, saveRecord, type UpdateRecord } from './record.ts';
import { runEffect, type EffectContext } from './effects.ts';
import type { UpdaterOptions } from './options.ts';

export type { UpdaterOptions } from './options.ts';

/** Entries of one state (a resume after a crash counts) before the machine gives up on it. */
export const DEFAULT_MAX_STATE_ENTRIES = 10;


/**
 * Runs the update machine: saves the record, reports the state, runs the state's effect,
 * feeds its outcome to the table, and so on until a final state. `start()` resumes an
 * update interrupted by a restart or power cut; `offerJob()` takes `update/job` messages.
 */
export class Updater {
  private record: UpdateRecord | null = null;
  private loop: Promise<void> | null = null;
  private effectAbort: AbortController | null = null;
  private installSignal: (() => void) | null = null;
  private readonly statePath: string;

  constructor(private readonly o: UpdaterOptions) {
    this.statePath = join(o.root, 'update', 'state.json');
  }

  get state(): MachineState {
    return this.record?.state ?? 'idle';
  }

  /** Resumes a persisted update, if one was under way. */
  async start(): Promise<void> {
    this.record = await loadRecord(this.statePath);
    if (this.record && !this.record.finalized) this.loop = this.guarded(this.record.state);
  }

  /** Resolves when the machine rests (idle, final state, or waiting for an install order). */
  async settled(): Promise<void> {
    while (this.loop) await this.loop;
  }

  async offerJob(job: UpdateJobMessage): Promise<void> {
    const r = this.record;
    const busy = r !== null && !r.finalized;
    if (job.action === 'abort') {
      if (!busy || r.job.jobId !== job.jobId) return;
      this.o.log.info({ jobId: job.jobId, state: r.state }, 'update abort requested');
      r.abortRequested = true;
      await saveRecord(this.statePath, r);
      if (ABORTABLE.has(r.state)) this.effectAbort?.abort();
      return;
    }
    if (busy) {
      // The install order may arrive before the staged effect waits for it (its status is
      // still being published): the effect then finds a job that is no longer download-only.
      if (r.state === 'staged' && job.version === r.job.version && !job.downloadOnly) {
        r.job = job;
        await saveRecord(this.statePath, r);
        this.installSignal?.();
      } else if (r.job.jobId !== job.jobId) this.o.log.warn({ jobId: job.jobId, busyWith: r.job.jobId }, 'update job ignored: another update is under way');
      return;
    }
    if (r && r.job.jobId === job.jobId) return; // the retained job again, already done
    if (this.o.clock.now() > job.expiresAt) {
      await this.o.publishStatus(this.status({ state: 'failed', job, fromVersion: this.o.box.runningVersion, target: null, error: updateError('UPDATE_JOB_EXPIRED'), abortRequested: false, enteredAt: this.o.clock.now() }, null));
      return;
    }
    this.record = { state: 'idle', job, fromVersion: this.o.box.runningVersion, target: null, error: null, abortRequested: false, enteredAt: this.o.clock.now() };
    this.loop = this.guarded(nextState('idle', { type: 'job' }));
  }

  /** An unhandled transition is a bug: logged loudly, never an unhandled rejection. */
  private guarded(first: MachineState): Promise<void> {
    return this.run(first).catch((e: Error) => this.o.log.error({ err: e.message, state: this.record?.state }, 'update machine stopped'));
  }

  private async run(first: MachineState): Promise<void> {
    let state = first;
    const r = this.record as UpdateRecord;
    try {
      for (;;) {
        r.state = state;
        r.finalized = false;
        r.enteredAt = this.o.clock.now();
        r.entries = { ...r.entries, [state]: (r.entries?.[state] ?? 0) + 1 };
        await saveRecord(this.statePath, r);
        const looping = (r.entries[state] ?? 0) > (this.o.maxStateEntries ?? DEFAULT_MAX_STATE_ENTRIES);
        if (looping) this.o.log.error({ state, entries: r.entries[state] }, 'update state entered too often: giving up on it');
        if (FINAL_STATES.has(state)) {
          await this.report(r, null);
          // A final state whose clean-up keeps killing the agent is left as it is.
          if (!looping) await runEffect(state, this.context(r));
          r.finalized = true;
          await saveRecord(this.statePath, r);
          return;
        }
        if (!looping) await this.report(r, null);
        const event: UpdateEvent = looping ? { type: 'fail', error: updateError('UPDATE_STATE_LOOP', `${state} entered ${r.entries[state]} times`) } : await this.effect(state, r);
        if (event.type === 'fail' || event.type === 'rolled-back') r.error = event.error;
        if (event.type === 'abort' && !ABORTABLE.has(state)) r.abortRequested = true;
        if (event.type === 'abort' && ABORTABLE.has(state)) r.error = updateError('UPDATE_ABORTED');
        state = nextState(state, event);
      }
    } finally {
      this.loop = null;
    }
  }

  private async effect(state: MachineState, r: UpdateRecord): Promise<UpdateEvent> {
    if (r.abortRequested && ABORTABLE.has(state)) return { type: 'abort' };
    this.effectAbort = new AbortController();
    try {
      return await runEffect(state, this.context(r));
    } catch (e) {
      if (this.effectAbort.signal.aborted && handles(state, 'abort')) return { type: 'abort' };
      const error: UpdateError = e instanceof UpdateFailure ? e.error : updateError('UPDATE_DISK', (e as Error).message);
      this.o.log.warn({ state, code: error.code, err: error.message }, 'update step failed');
      return { type: 'fail', error };
    } finally {
      this.effectAbort = null;
    }
  }

  private context(r: UpdateRecord): EffectContext {
    return {
      ...this.o,
      record: r,
      signal: (this.effectAbort ?? new AbortController()).signal,
      save: () => saveRecord(this.statePath, r),
      progress: (p) => this.report(r, p),
      waitForInstallOrder: () => new Promise<void>((resolve) => (this.installSignal = () => ((this.installSignal = null), resolve()))),
    };
  }

  private async report(r: UpdateRecord, progress: number | null): Promise<void> {
    try {
      await this.o.publishStatus(this.status(r, progress));
    } catch (e) {
      this.o.log.warn({ err: (e as Error).message }, 'update status not sent');
    }
  }

  private status(r: UpdateRecord, progress: number | null): UpdateStatusMessage {
    const state = r.state === 'idle' ? 'queued' : r.state;
    return { v: 1, jobId: r.job.jobId, rolloutId: r.job.rolloutId, state, fromVersion: r.fromVersion, toVersion: r.job.version, progress, error: r.error, ts: this.o.clock.now() };
  }
}
