import { describe, expect, it } from 'vitest';
import type { PrintJobState } from '../printer-port.ts';
import { nextJobState, type JobEvent } from './job-state.ts';

describe('print job transition table', () => {
  it.each([
    ['queued', 'send', 'printing'],
    ['queued', 'paper-out', 'waiting-paper'],
    ['queued', 'invalid', 'failed'],
    ['waiting-paper', 'send', 'printing'],
    ['printing', 'confirmed', 'printed'],
    ['printing', 'unconfirmed', 'printed'],
    ['printing', 'paper-out', 'waiting-paper'],
    ['printing', 'not-ready', 'queued'],
    ['printing', 'send', 'printing'],
  ] as [PrintJobState, JobEvent, PrintJobState][])('%s --%s--> %s', (from, event, to) => {
    expect(nextJobState(from, event)).toBe(to);
  });

  it.each([
    ['printed', 'send'],
    ['failed', 'send'],
    ['queued', 'confirmed'],
    ['waiting-paper', 'confirmed'],
  ] as [PrintJobState, JobEvent][])('%s on %s is a bug and throws', (from, event) => {
    expect(() => nextJobState(from, event)).toThrow(/no transition/);
  });
});
