import { describe, expect, it } from 'vitest';
import type { PrintJob } from '../printer-port.ts';
import { MemoryJobStore, type JobStore } from './job-store.ts';
import { PrintQueue } from './print-queue.ts';

const job = (n: number): PrintJob => ({ kind: 'test', jobId: `T-${n}`, clubName: 'Club', at: n });
const noQuarantine = () => {
  throw new Error('unexpected quarantine');
};

describe('PrintQueue', () => {
  it('keeps jobs in order and moves them through the transition table', () => {
    const q = new PrintQueue(new MemoryJobStore(), noQuarantine);
    q.add(job(1));
    q.add(job(2));
    const head = q.head()!;
    expect(head.job.jobId).toBe('T-1');
    expect(q.apply(head, 'send')).toEqual({ next: 'printing', changed: true });
    expect(head.attempts).toBe(1);
    expect(q.apply(head, 'paper-out')).toEqual({ next: 'waiting-paper', changed: true });
    expect(q.apply(head, 'paper-out')).toEqual({ next: 'waiting-paper', changed: false });
    q.apply(head, 'send');
    q.apply(head, 'confirmed');
    expect(head.attempts).toBe(2);
    expect(q.head()?.job.jobId).toBe('T-2');
    expect(q.stateOf('T-1')).toBe('printed');
    expect(q.size).toBe(1);
  });

  it('loads what the store holds before the first use, and saves on demand', () => {
    const store = new MemoryJobStore();
    store.save({ pending: [{ job: job(5), state: 'printing', attempts: 1 }], finished: [{ jobId: 'T-4', state: 'failed' }] });
    const q = new PrintQueue(store, noQuarantine);
    q.add(job(6));
    expect(store.load().pending.map((p) => p.job.jobId)).toEqual(['T-5', 'T-6']);
    expect(q.stateOf('T-4')).toBe('failed');
    expect(q.stateOf('T-5')).toBe('printing');
  });

  it('does not keep a job the store could not save', () => {
    const store: JobStore = {
      load: () => ({ pending: [], finished: [] }),
      save: () => {
        throw new Error('read-only file system');
      },
    };
    const q = new PrintQueue(store, noQuarantine);
    expect(() => q.add(job(1))).toThrow('read-only');
    expect(q.size).toBe(0);
    expect(q.stateOf('T-1')).toBeUndefined();
  });

  it('remembers the last 500 finished job ids', () => {
    const q = new PrintQueue(new MemoryJobStore(), noQuarantine);
    for (let i = 0; i < 501; i++) {
      q.add(job(i));
      const e = q.head()!;
      q.apply(e, 'send');
      q.apply(e, 'confirmed');
    }
    expect(q.stateOf('T-0')).toBeUndefined();
    expect(q.stateOf('T-1')).toBe('printed');
    expect(q.stateOf('T-500')).toBe('printed');
  });

  it('reports a quarantined store file', () => {
    const seen: string[] = [];
    const q = new PrintQueue({ load: () => ({ pending: [], finished: [], quarantinedTo: 'q.json.corrupt-1' }), save: () => undefined }, (p) => seen.push(p));
    expect(q.size).toBe(0);
    expect(seen).toEqual(['q.json.corrupt-1']);
  });
});
