import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../platform/log.ts';
import { soleLeadership, type Leadership } from './leadership.ts';
import { runSingletons, type SingletonJob } from './singletons.ts';

/** A leadership the test hands over and takes back. */
function manualLeadership() {
  const listeners: ((l: boolean) => void)[] = [];
  let leader = false;
  const l: Leadership & { set(v: boolean): void } = {
    get leader() {
      return leader;
    },
    onChange: (f) => void listeners.push(f),
    close: async () => undefined,
    set(v) {
      leader = v;
      for (const f of listeners) f(v);
    },
  };
  return l;
}

function recorder(trace: string[], name: string, failStart = false): SingletonJob {
  return {
    name,
    start: async () => {
      trace.push(`start ${name}`);
      if (failStart) throw new Error('boom');
    },
    stop: () => void trace.push(`stop ${name}`),
  };
}

describe('runSingletons', () => {
  it('starts the jobs in order while this instance leads, stops them in reverse when it no longer does, never twice', async () => {
    const trace: string[] = [];
    const l = manualLeadership();
    const run = runSingletons(l, [recorder(trace, 'a'), recorder(trace, 'b')], silentLogger);
    await run.settled();
    expect(trace).toEqual([]);
    l.set(true);
    l.set(true);
    await run.settled();
    expect(trace).toEqual(['start a', 'start b']);
    l.set(false);
    l.set(true);
    l.set(false);
    await run.settled();
    expect(trace).toEqual(['start a', 'start b', 'stop b', 'stop a', 'start a', 'start b', 'stop b', 'stop a']);
    await run.stop();
    expect(trace).toHaveLength(8);
  });

  it('a lone fleet runs every job from the start; a job that fails to start does not keep the others from running', async () => {
    const trace: string[] = [];
    const run = runSingletons(soleLeadership(), [recorder(trace, 'a', true), recorder(trace, 'b')], silentLogger);
    await run.settled();
    expect(trace).toEqual(['start a', 'start b']);
    await run.stop();
    expect(trace).toEqual(['start a', 'start b', 'stop b', 'stop a']);
  });
});
