import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOPIC_KINDS, TOPICS } from './topics.ts';

// The contract documentation is read by people wiring other brokers and tools: keep it true.
describe('docs/mqtt-contract.md', () => {
  const doc = readFileSync(new URL('../../docs/mqtt-contract.md', import.meta.url), 'utf8');

  it.each(TOPIC_KINDS)('documents %s exactly as the code defines it', (kind) => {
    const t = TOPICS[kind];
    const row = `| ${kind} | \`${t.suffix}\` | ${t.direction} | ${t.qos} | ${t.retain ? 'yes' : 'no'} | ${t.maxBytes} | ${t.answeredOn ?? '-'} |`;
    expect(doc).toContain(row);
  });
});
