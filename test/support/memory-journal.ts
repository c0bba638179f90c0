import type { PassSink } from '../../agent/lanes/lane.ts';
import type { LocalFacts, Pass, PassRecord, StoredPass } from '../../agent/journal/pass-record.ts';

/** An in-memory PassSink for unit tests: rows get consecutive seqs at once. */
export class MemoryJournal implements PassSink {
  readonly passes: Pass[] = [];
  private readonly locals: LocalFacts[] = [];

  async append(record: PassRecord, local?: LocalFacts): Promise<Pass> {
    const pass = { seq: this.passes.length + 1, ...record };
    this.passes.push(pass);
    this.locals.push(local ?? {});
    return pass;
  }

  /** Every row with its local facts, as PassJournal.readSince() gives them (the start-up replay reads passagesSince(): the same without refusals). */
  stored(): StoredPass[] {
    return this.passes.map((pass, i) => ({ pass, local: this.locals[i] ?? {} }));
  }
}
