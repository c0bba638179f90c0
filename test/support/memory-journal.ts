import type { PassSink } from '../../agent/lanes/lane.ts';
import type { Pass, PassRecord } from '../../agent/journal/pass-record.ts';

/** An in-memory PassSink for unit tests: rows get consecutive seqs at once. */
export class MemoryJournal implements PassSink {
  readonly passes: Pass[] = [];

  async append(record: PassRecord): Promise<Pass> {
    const pass = { seq: this.passes.length + 1, ...record };
    this.passes.push(pass);
    return pass;
  }
}
