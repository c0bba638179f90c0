/** Builds "WHERE a = ? AND b = ?" from the filters that are set. */
export class Where {
  readonly clauses: string[] = [];
  readonly args: unknown[] = [];
  add(clause: string, value: unknown): this {
    if (value !== undefined) {
      this.clauses.push(clause);
      this.args.push(value);
    }
    return this;
  }
  toString(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}
