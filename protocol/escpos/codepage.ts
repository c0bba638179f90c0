/**
 * Single-byte code pages for French text on ESC/POS printers. Pure.
 *
 * Bytes 0x20-0x7E are ASCII in every page; the tables below give the characters of
 * 0x80-0xFF. Printers select a page with ESC t n; the numbers are Epson's
 * (PC437 = 0, PC858 = 19, WPC1252 = 16), which most ESC/POS clones follow.
 */
export type CodePage = 'cp858' | 'cp1252' | 'cp437';

/** ESC t n value selecting each page. */
export const CODE_PAGE_NUMBER: Readonly<Record<CodePage, number>> = { cp858: 19, cp1252: 16, cp437: 0 };

// PC437, page 0: the printers' power-on page, and what receipt tools select for box drawing.
const CP437_HIGH =
  '\u00c7\u00fc\u00e9\u00e2\u00e4\u00e0\u00e5\u00e7\u00ea\u00eb\u00e8\u00ef\u00ee\u00ec\u00c4\u00c5' +
  '\u00c9\u00e6\u00c6\u00f4\u00f6\u00f2\u00fb\u00f9\u00ff\u00d6\u00dc\u00a2\u00a3\u00a5\u20a7\u0192' +
  '\u00e1\u00ed\u00f3\u00fa\u00f1\u00d1\u00aa\u00ba\u00bf\u2310\u00ac\u00bd\u00bc\u00a1\u00ab\u00bb' +
  '\u2591\u2592\u2593\u2502\u2524\u2561\u2562\u2556\u2555\u2563\u2551\u2557\u255d\u255c\u255b\u2510' +
  '\u2514\u2534\u252c\u251c\u2500\u253c\u255e\u255f\u255a\u2554\u2569\u2566\u2560\u2550\u256c\u2567' +
  '\u2568\u2564\u2565\u2559\u2558\u2552\u2553\u256b\u256a\u2518\u250c\u2588\u2584\u258c\u2590\u2580' +
  '\u03b1\u00df\u0393\u03c0\u03a3\u03c3\u00b5\u03c4\u03a6\u0398\u03a9\u03b4\u221e\u03c6\u03b5\u2229' +
  '\u2261\u00b1\u2265\u2264\u2320\u2321\u00f7\u2248\u00b0\u2219\u00b7\u221a\u207f\u00b2\u25a0\u00a0';

// PC858 is PC850 with the euro sign at 0xD5 (PC850 had a dotless i there).
const CP858_HIGH =
  '\u00c7\u00fc\u00e9\u00e2\u00e4\u00e0\u00e5\u00e7\u00ea\u00eb\u00e8\u00ef\u00ee\u00ec\u00c4\u00c5' +
  '\u00c9\u00e6\u00c6\u00f4\u00f6\u00f2\u00fb\u00f9\u00ff\u00d6\u00dc\u00f8\u00a3\u00d8\u00d7\u0192' +
  '\u00e1\u00ed\u00f3\u00fa\u00f1\u00d1\u00aa\u00ba\u00bf\u00ae\u00ac\u00bd\u00bc\u00a1\u00ab\u00bb' +
  '\u2591\u2592\u2593\u2502\u2524\u00c1\u00c2\u00c0\u00a9\u2563\u2551\u2557\u255d\u00a2\u00a5\u2510' +
  '\u2514\u2534\u252c\u251c\u2500\u253c\u00e3\u00c3\u255a\u2554\u2569\u2566\u2560\u2550\u256c\u00a4' +
  '\u00f0\u00d0\u00ca\u00cb\u00c8\u20ac\u00cd\u00ce\u00cf\u2518\u250c\u2588\u2584\u00a6\u00cc\u2580' +
  '\u00d3\u00df\u00d4\u00d2\u00f5\u00d5\u00b5\u00fe\u00de\u00da\u00db\u00d9\u00fd\u00dd\u00af\u00b4' +
  '\u00ad\u00b1\u2017\u00be\u00b6\u00a7\u00f7\u00b8\u00b0\u00a8\u00b7\u00b9\u00b3\u00b2\u25a0\u00a0';

// Windows-1252: 0x80-0x9F hold the euro sign, typographic quotes and the French
// ligatures; 0x81, 0x8D, 0x8F, 0x90 and 0x9D are unassigned (U+FFFD here, never encoded).
const CP1252_HIGH =
  '\u20ac\ufffd\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\ufffd\u017d\ufffd' +
  '\ufffd\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\ufffd\u017e\u0178' +
  Array.from({ length: 0x60 }, (_, i) => String.fromCharCode(0xa0 + i)).join('');

const HIGH: Readonly<Record<CodePage, string>> = { cp858: CP858_HIGH, cp1252: CP1252_HIGH, cp437: CP437_HIGH };

function buildEncodeMap(high: string): ReadonlyMap<string, number> {
  const map = new Map<string, number>();
  for (let i = 0; i < high.length; i++) {
    const ch = high[i] as string;
    if (ch !== '\ufffd') map.set(ch, 0x80 + i);
  }
  return map;
}

const ENCODE: Readonly<Record<CodePage, ReadonlyMap<string, number>>> = {
  cp858: buildEncodeMap(CP858_HIGH),
  cp1252: buildEncodeMap(CP1252_HIGH),
  cp437: buildEncodeMap(CP437_HIGH),
};

/** Typographic characters a ticket text may carry, printed as their plain ASCII look-alike. */
const FALLBACK: Readonly<Record<string, string>> = {
  '\u2019': "'",
  '\u2018': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2026': '...',
  '\u00a0': ' ',
  '\u202f': ' ',
  '\u0152': 'OE',
  '\u0153': 'oe',
};

/** The byte of `ch` in `page`, or undefined when the page has no such character. */
export function encodeChar(ch: string, page: CodePage): number | undefined {
  const cp = ch.codePointAt(0);
  if (cp === undefined) return undefined;
  if (cp >= 0x20 && cp <= 0x7e) return cp;
  return ENCODE[page].get(ch);
}

/**
 * Encodes printable text (no control characters) in `page`. Never throws: a character the
 * page lacks becomes its typographic fallback, then its accent-stripped base letter,
 * then '?'; `replaced` lists what could not be printed as written.
 */
export function encodeText(text: string, page: CodePage): { bytes: Uint8Array; replaced: string[] } {
  const out: number[] = [];
  const replaced: string[] = [];
  for (const ch of text.normalize('NFC')) {
    const direct = encodeChar(ch, page);
    if (direct !== undefined) {
      out.push(direct);
      continue;
    }
    const fallback = FALLBACK[ch] ?? stripAccents(ch);
    const bytes = fallback === undefined ? undefined : [...fallback].map((c) => encodeChar(c, page));
    if (bytes && bytes.every((b) => b !== undefined)) out.push(...(bytes as number[]));
    else out.push(0x3f);
    replaced.push(ch);
  }
  return { bytes: Uint8Array.from(out), replaced };
}

function stripAccents(ch: string): string | undefined {
  const base = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  return base.length > 0 && base !== ch ? base : undefined;
}

/** The character a printer shows for `byte` in `page` (U+FFFD for unassigned or control bytes). */
export function decodeByte(byte: number, page: CodePage): string {
  if (byte >= 0x20 && byte <= 0x7e) return String.fromCharCode(byte);
  if (byte >= 0x80 && byte <= 0xff) return HIGH[page][byte - 0x80] ?? '\ufffd';
  return '\ufffd';
}

/** The page selected by ESC t n, or undefined for pages this code does not know. */
export function codePageFromNumber(n: number): CodePage | undefined {
  return (Object.keys(CODE_PAGE_NUMBER) as CodePage[]).find((page) => CODE_PAGE_NUMBER[page] === n);
}
