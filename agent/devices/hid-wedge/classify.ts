import { normaliseBadge } from '../../../protocol/access/credential.ts';
import type { Credential } from '../reader.ts';

export const DEFAULT_MAX_BADGE_DIGITS = 10;

/**
 * What a keyboard-wedge line is. Badge readers type the card number in decimal (usually 10
 * digits); QR scanners type the code's text. Rule: a line of 1 to `maxBadgeDigits` decimal
 * digits whose value fits the 32-bit card range is a badge (canonical number through
 * normaliseBadge); any other line (a letter, a symbol, more digits, a bigger value) is a QR
 * payload, passed on as typed for the access rules to judge.
 */
export function classifyTypedLine(text: string, maxBadgeDigits = DEFAULT_MAX_BADGE_DIGITS): Credential {
  if (text.length <= maxBadgeDigits && /^\d+$/.test(text)) {
    const badge = normaliseBadge(text);
    if (badge.ok) return { kind: 'badge', number: badge.value.number, raw: text, format: 'keyboard-wedge' };
  }
  return { kind: 'qr', payload: text };
}
