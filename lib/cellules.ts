/** Readers of CSV cells shared by every import (barèmes, référentiel, sinistres): dates, yes/no, decimals. */
import { D, type Decimal } from '../rules/decimal.ts';

/** A calendar date written AAAA-MM-JJ or JJ/MM/AAAA, returned as 'YYYY-MM-DD'; undefined when invalid. */
export function lireDate(raw: string): string | undefined {
  const s = raw.trim();
  let y: number, m: number, d: number;
  let r = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (r) [y, m, d] = [Number(r[1]), Number(r[2]), Number(r[3])];
  else if ((r = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s))) [y, m, d] = [Number(r[3]), Number(r[2]), Number(r[1])];
  else return undefined;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d || y < 1900 || y > 2100) return undefined;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const OUI = new Set(['oui', 'o', 'yes', 'y', 'true', 'vrai', '1', 'x']);
const NON = new Set(['non', 'n', 'no', 'false', 'faux', '0', '']);

/** oui/non (also yes/no, 1/0, vrai/faux); empty = non; undefined when unreadable. */
export function lireOuiNon(raw: string): boolean | undefined {
  const s = raw.trim().toLowerCase();
  if (OUI.has(s)) return true;
  if (NON.has(s)) return false;
  return undefined;
}

/**
 * A non-negative decimal written with '.' or ',', spaces (also no-break) as thousands separators: "40 783",
 * "2,05", "2.05". Returned as the normalised decimal string, its published scale kept ("151000.50").
 */
export function lireNombre(raw: string): string | undefined {
  const s = raw.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  return /^\d+(\.\d+)?$/.test(s) ? s : undefined;
}

/** The same, as a Decimal; never through a float. */
export function lireDecimal(raw: string): Decimal | undefined {
  const s = lireNombre(raw);
  return s === undefined ? undefined : D(s);
}
