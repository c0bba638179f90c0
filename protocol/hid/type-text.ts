import { charToUsage, USAGE_ENTER } from './keymap.ts';
import { encodeKeyboardReport, Modifier } from './report.ts';

/**
 * The reports a keyboard-wedge reader sends to type `text` then Enter: for each character a
 * key-down report (with Left Shift where needed) and an all-zero release report.
 * Returns undefined if the US layout cannot type a character of `text`.
 */
export function reportsForTypedText(text: string, enter = true): Uint8Array[] | undefined {
  const reports: Uint8Array[] = [];
  const release = encodeKeyboardReport({ modifiers: 0, keys: [] });
  for (const char of text) {
    const key = charToUsage(char);
    if (!key) return undefined;
    reports.push(encodeKeyboardReport({ modifiers: key.shift ? Modifier.leftShift : 0, keys: [key.usage] }), release);
  }
  if (enter) reports.push(encodeKeyboardReport({ modifiers: 0, keys: [USAGE_ENTER] }), release);
  return reports;
}
