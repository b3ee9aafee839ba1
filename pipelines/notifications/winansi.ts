/**
 * Text for the PDF standard fonts (Helvetica): they are not embedded and encode text in WinAnsi (Windows-1252),
 * which holds every French letter (é è à ç œ Œ), € « » ’ … – —, but not the typographic minus, ≤ ≥, ⅓ ⅔ or the
 * narrow no-break space of French number formatting. pdfkit would print another glyph for those (a “−0,23 pt”
 * became “"0,23 pt”), so every string of a document definition is folded here first: each character outside
 * WinAnsi gets a WinAnsi equivalent, its letters without accent, or “?”. Tested in test/notifications-police.test.ts.
 */

/** the 27 characters WinAnsi places in 0x80–0x9F; with 0x20–0x7E and 0xA0–0xFF they make the whole repertoire */
const CP1252 = '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ';

const EQUIVALENTS: Record<string, string> = {
  '\u2212': '-', // signe moins
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '–',
  '\u2264': '<=',
  '\u2265': '>=',
  '\u2260': '!=',
  '\u2153': '1/3',
  '\u2154': '2/3',
  '\u2192': '->',
  '\u2190': '<-',
  '\u202F': '\u00A0', // espace fine insécable des nombres : espace insécable
  '\u2009': '\u00A0',
  '\u2007': '\u00A0',
  '\u2002': ' ',
  '\u2003': ' ',
  '\u2713': 'x',
  'Ł': 'L',
  'ł': 'l',
  'Đ': 'D',
  'đ': 'd',
  'ı': 'i',
};

export function estWinAnsi(c: string): boolean {
  const n = c.codePointAt(0)!;
  return (n >= 0x20 && n <= 0x7e) || (n >= 0xa0 && n <= 0xff) || n === 0x0a || n === 0x0d || n === 0x09 || CP1252.includes(c);
}

/** The string with every character encodable in WinAnsi. */
export function versWinAnsi(s: string): string {
  let pur = true;
  for (const c of s) if (!estWinAnsi(c)) { pur = false; break; }
  if (pur) return s;
  let r = '';
  for (const c of s) {
    if (estWinAnsi(c)) r += c;
    else if (EQUIVALENTS[c] !== undefined) r += EQUIVALENTS[c];
    else {
      const sansAccent = c.normalize('NFKD').replace(/\p{M}/gu, '');
      r += [...sansAccent].every(estWinAnsi) && sansAccent.length > 0 ? sansAccent : '?';
    }
  }
  return r;
}

/** A pdfmake document definition (or any part of it) with every string folded; callbacks (footer…) fold their result. */
export function definitionWinAnsi<T>(v: T): T {
  if (typeof v === 'string') return versWinAnsi(v) as T;
  if (typeof v === 'function') {
    const f = v as unknown as (...a: unknown[]) => unknown;
    return ((...a: unknown[]) => definitionWinAnsi(f(...a))) as T;
  }
  if (Array.isArray(v)) return v.map((x) => definitionWinAnsi(x)) as T;
  if (v && typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof Date)) {
    const r: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) r[k] = definitionWinAnsi(x);
    return r as T;
  }
  return v;
}
