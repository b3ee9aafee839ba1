/** Cell readers of the référentiel and sinistre imports: e-mail, Alsace-Moselle postcodes; the generic ones in lib/. */
export { lireFichierCsv, type FichierCsv } from '../../lib/csv.ts';
export { lireDate, lireDecimal, lireOuiNon } from '../../lib/cellules.ts';

// Practical e-mail syntax (local@domain.tld), not the whole RFC 5322 grammar.
const EMAIL_RE = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
export const emailValide = (s: string) => EMAIL_RE.test(s) && !s.includes('..') && !s.startsWith('.') && !/\.@/.test(s);

/** Departments 57 (Moselle), 67 (Bas-Rhin), 68 (Haut-Rhin): local law regime (CSS D.242-30 and following). */
export const alsaceMoselle = (codePostal: string) => /^(57|67|68)\d{3}$/.test(codePostal);

export const pluriel = (n: number, mot: string) => `${n} ${mot}${n > 1 ? 's' : ''}`;
