/**
 * What must never show on the box pages: English words a developer would write (states,
 * kinds, outcomes, stray values) and internal identifiers (device, lane and box ids, token
 * and command ids, error codes). `extra` adds a test's own ids (its box id...).
 * Returns what was found, to be expected empty.
 */
const ENGLISH = [
  'online', 'offline', 'degraded', 'starting', 'reader', 'turnstile', 'printer', 'device', 'entry', 'exit', 'passed', 'not passed',
  'denied', 'granted', 'refused', 'manual', 'remote', 'error', 'unknown', 'member', 'operator', 'lane', 'open', 'closed', 'idle',
  'undefined', 'null', 'NaN', 'true', 'false', 'loading', 'login', 'logout', 'submit', 'the', 'and', 'is',
];
const PATTERNS: readonly RegExp[] = [
  /\btok_[A-Za-z0-9]+/,
  /\bcmd-[A-Za-z0-9-]+/,
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/,
  /\b[A-Z][A-Z0-9]+_[A-Z0-9_]+\b/, // an error code shown as text (a detail must stay folded)
  /\[object Object\]/,
  /\b(reader|turnstile|printer)-(entry|exit|pmr)\b/,
];

export function foreignText(text: string, extra: readonly string[] = []): string[] {
  const found: string[] = [];
  for (const w of [...ENGLISH, ...extra]) if (new RegExp(`(^|[^\\p{L}\\p{N}_-])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}\\p{N}_-])`, 'iu').test(text)) found.push(w);
  for (const re of PATTERNS) {
    const m = re.exec(text);
    if (m) found.push(m[0]);
  }
  return found;
}
