import type { Device } from './device.ts';

/** What the lane logic, the totem and remote commands need from the receipt printer (types only). */
export type PrintJob =
  | { readonly kind: 'day-pass'; readonly jobId: string; readonly clubName: string; readonly holder: string; readonly validUntil: number; readonly qrPayload: string }
  | { readonly kind: 'receipt'; readonly jobId: string; readonly clubName: string; readonly lines: readonly { label: string; amountCents: number }[]; readonly totalCents: number; readonly at: number }
  | { readonly kind: 'locker'; readonly jobId: string; readonly clubName: string; readonly locker: string; readonly code: string; readonly at: number }
  | { readonly kind: 'test'; readonly jobId: string; readonly clubName: string; readonly at: number };

export type PrintJobState = 'queued' | 'printing' | 'printed' | 'waiting-paper' | 'failed';

export interface Printer extends Device {
  readonly kind: 'printer';
  /** Queues a job; resolves once it is queued (the queue survives paper-out and retries). */
  enqueue(job: PrintJob): Promise<void>;
  jobState(jobId: string): PrintJobState | undefined;
  onJob(listener: (jobId: string, state: PrintJobState) => void): () => void;
}
