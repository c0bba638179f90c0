import type { UpdateJobMessage } from '../../protocol/mqtt/index.ts';
import { readJson, writeJsonAtomic } from './durable.ts';
import type { UpdateError } from './errors.ts';
import { MACHINE_STATES, type MachineState } from './machine.ts';
import type { VerifiedTarget } from './trust.ts';

/** What the machine persists (fsync'd) before each side effect: enough to resume after a power cut. */
export interface UpdateRecord {
  state: MachineState;
  job: UpdateJobMessage;
  fromVersion: string;
  /** Filled in `downloading` from TUF-verified metadata; later states trust this copy. */
  target: VerifiedTarget | null;
  error: UpdateError | null;
  abortRequested: boolean;
  enteredAt: number;
  /** The final state's clean-up (and rolled-back event) is done; nothing to resume. */
  finalized?: boolean;
  /** Times each state was entered for this job, resumes after a crash included (the state-loop guard). */
  entries?: Partial<Record<MachineState, number>>;
}

export async function loadRecord(path: string): Promise<UpdateRecord | null> {
  const r = await readJson<UpdateRecord>(path);
  if (!r || !(MACHINE_STATES as readonly string[]).includes(r.state) || typeof r.job?.jobId !== 'string') return null;
  return r;
}

export async function saveRecord(path: string, record: UpdateRecord): Promise<void> {
  await writeJsonAtomic(path, record);
}
