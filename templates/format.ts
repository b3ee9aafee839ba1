/**
 * French formatting of the notification's figures, from the stored decimal strings (never through floats):
 * `1 234,56 €`, `2,09 %`, `24 novembre 2026`. Written by hand rather than with Intl so that the bytes do not depend
 * on the ICU version of the Node build (Intl's fr-FR output uses U+202F narrow no-break spaces, which changed across
 * ICU versions). The embedded Roboto has NO glyph for U+202F (checked with fontkit: hasGlyphForCodePoint(0x202f) is
 * false), so Intl's output would print missing-glyph boxes: thousands and units are separated here by a no-break
 * space (U+00A0), which Roboto has, so a figure never breaks across lines.
 */
import { D, Decimal } from '../rules/decimal.ts';

/** no-break space: thousands separator and between a figure and its unit */
export const NBSP = '\u00a0';

const MOIS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];

type Nombre = string | number | Decimal;

const dec = (v: Nombre): Decimal => (typeof v === 'object' ? v : D(String(v)));

/**
 * A decimal in French: comma, thousands grouped by 3. `decimales` fixes the number of decimals (rounded half up,
 * CSS D.242-6-13 practice for the displayed rates); undefined keeps the stored ones.
 */
export function nombre(v: Nombre, decimales?: number): string {
  const d = dec(v);
  // undefined: the stored digits as they are ("3.60" stays 3,60)
  const s = decimales === undefined ? (typeof v === 'string' ? d.toFixed(Math.max(0, (v.trim().split('.')[1] ?? '').length)) : d.toFixed()) : d.toFixed(decimales, Decimal.ROUND_HALF_UP);
  const negatif = s.startsWith('-');
  const [ent, frac] = (negatif ? s.slice(1) : s).split('.');
  const groupes = ent.replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
  return `${negatif && !/^[0.]+$/.test(s.slice(1)) ? '−' : ''}${groupes}${frac ? `,${frac}` : ''}`;
}

/** An amount in euros: `1 234,56 €` (2 decimals), or whole euros when `entier` (coûts moyens, valeur du risque). */
export function euros(v: Nombre, entier = false): string {
  const d = dec(v);
  return `${nombre(d, entier || d.isInteger() ? 0 : 2)}${NBSP}€`;
}

/** A rate in percent as published: `2,09 %`. */
export function pourcent(v: Nombre, decimales = 2): string {
  return `${nombre(v, decimales)}${NBSP}%`;
}

/** A variation in points with its sign: `+0,35 pt`, `−1,20 pt`, `0,00 pt`. */
export function variation(nouveau: Nombre, ancien: Nombre | null | undefined): string {
  if (ancien === null || ancien === undefined || ancien === '') return '—';
  const v = dec(nouveau).minus(dec(ancien));
  const s = nombre(v.abs(), 2);
  return `${v.isZero() ? '' : v.isNegative() ? '−' : '+'}${s}${NBSP}pt`;
}

/** A headcount: 2 decimals kept only when not whole (R130-1 truncated average). */
export function effectif(v: Nombre | null | undefined): string {
  if (v === null || v === undefined || v === '') return '—';
  const d = dec(v);
  return nombre(d, d.isInteger() ? 0 : 2);
}

/** A date in words: `24 novembre 2026`, `1er mars 2027`. Accepts `YYYY-MM-DD` or a Date (its UTC day). */
export function dateLongue(v: string | Date): string {
  const iso = typeof v === 'string' ? v.slice(0, 10) : v.toISOString().slice(0, 10);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw new Error(`date invalide : ${iso}`);
  const jour = Number(m[3]);
  return `${jour === 1 ? '1er' : jour} ${MOIS[Number(m[2]) - 1]} ${m[1]}`;
}

/** SIRET grouped as printed on French documents: `200 000 008 00017`. */
export function siret(s: string): string {
  return s.length === 14 ? `${s.slice(0, 3)} ${s.slice(3, 6)} ${s.slice(6, 9)} ${s.slice(9)}` : s;
}

/** SIREN grouped: `200 000 008`. */
export function siren(s: string): string {
  return s.length === 9 ? `${s.slice(0, 3)} ${s.slice(3, 6)} ${s.slice(6)}` : s;
}

/**
 * Decimal figures inside a text written by the rules (`[3.60 ; 5.62] → 3.60`): decimal point to comma. A code
 * risque (`27.1ZF`, `00.00B`) is left alone: its digits are followed by a letter.
 */
export function texteFrancais(t: string): string {
  return t.replace(/(?<![\w.])(\d+)\.(\d+)(?![\w.])/g, (_m, a: string, b: string) => nombre(`${a}.${b}`));
}

const MODES: Record<string, string> = { collectif: 'collectif', mixte: 'mixte', individuel: 'individuel' };
export const libelleMode = (m: string | null | undefined) => (m ? (MODES[m] ?? m) : '—');
const SECTIONS: Record<string, string> = { principale: 'principale', fsna: 'fonctions support (FSNA)', bureau: 'bureau' };
export const libelleSection = (s: string) => SECTIONS[s] ?? s;
