import type { PrintJobState } from '../printer-port.ts';

/**
 * The life of one print job as a transition table (house rule 8). An event the table
 * does not list for a state is a bug in the driver and throws.
 *
 *   queued ──send──▶ printing ──confirmed/unconfirmed──▶ printed
 *     ▲  │              │ paper-out ──▶ waiting-paper ──send──▶ printing
 *     │  └paper-out─▶ waiting-paper
 *     └──── not-ready (cover open, no reply, link down) ◀── printing
 */
export type JobEvent = 'send' | 'confirmed' | 'unconfirmed' | 'paper-out' | 'not-ready' | 'invalid';

const TABLE: Readonly<Record<PrintJobState, Partial<Record<JobEvent, PrintJobState>>>> = {
  queued: { send: 'printing', 'paper-out': 'waiting-paper', 'not-ready': 'queued', invalid: 'failed' },
  'waiting-paper': { send: 'printing', 'paper-out': 'waiting-paper', 'not-ready': 'waiting-paper', invalid: 'failed' },
  printing: { confirmed: 'printed', unconfirmed: 'printed', 'paper-out': 'waiting-paper', 'not-ready': 'queued', send: 'printing', invalid: 'failed' },
  printed: {},
  failed: {},
};

export function nextJobState(state: PrintJobState, event: JobEvent): PrintJobState {
  const next = TABLE[state][event];
  if (next === undefined) throw new Error(`print job: no transition from ${state} on ${event}`);
  return next;
}
