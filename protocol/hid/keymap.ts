/**
 * Usage ids (HID Usage Tables, Keyboard/Keypad page 0x07) to characters, US layout: the
 * layout keyboard-wedge readers and QR scanners use unless reconfigured. Scanners set to
 * another layout must be set back to US (documented in docs/readers.md).
 */
export const USAGE_ENTER = 0x28;
export const USAGE_KEYPAD_ENTER = 0x58;

const unshifted = new Map<number, string>();
const shifted = new Map<number, string>();

function row(first: number, plain: string, withShift: string): void {
  for (let i = 0; i < plain.length; i++) {
    unshifted.set(first + i, plain[i] as string);
    shifted.set(first + i, withShift[i] as string);
  }
}

row(0x04, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
row(0x1e, '1234567890', '!@#$%^&*()');
row(0x2b, '\t ', '\t ');
row(0x2d, '-=[]\\', '_+{}|');
row(0x33, ";'`,./", ':"~<>?');
// Keypad: the same character with or without Shift (Num Lock assumed on, as readers send it).
row(0x54, '/*-+', '/*-+');
row(0x59, '1234567890.', '1234567890.');

/** The character a usage types, or undefined for keys that type nothing (arrows, F-keys, ...). */
export function usageToChar(usage: number, shift: boolean): string | undefined {
  return (shift ? shifted : unshifted).get(usage);
}

/** The usage id and Shift state that type `char`, or undefined if the US layout cannot type it. */
export function charToUsage(char: string): { usage: number; shift: boolean } | undefined {
  for (const [usage, c] of unshifted) if (c === char && usage < 0x54) return { usage, shift: false };
  for (const [usage, c] of shifted) if (c === char && usage < 0x54) return { usage, shift: true };
  return undefined;
}
