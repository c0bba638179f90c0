import type { PassSink } from '../../agent/lanes/lane.ts';
import type { JournalEntry, PassRecord } from '../../agent/journal/pass-record.ts';

/** An in-memory PassSink for unit tests: rows get consecutive seqs at once. */
export class MemoryJournal implements PassSink {
  readonly entries: JournalEntry[] = [];

  async append(pass: PassRecord): Promise<JournalEntry> {
    const entry = { seq: this.entries.length + 1, pass };
    this.entries.push(entry);
    return entry;
  }

  get passes(): PassRecord[] {
    return this.entries.map((e) => e.pass);
  }
}
