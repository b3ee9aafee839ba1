/**
 * Length limits of the text fields of every import. No norm fixes the CSV formats of the référentiel, the
 * sinistres or the barèmes: these limits are the project's own, chosen well above any real value and well below
 * what a PostgreSQL index (about 2 700 bytes per key) or a notification page can hold. The DSN's own limits come
 * from its norm (records of at most 256 characters, CT NEODeS §3.4) and live in pipelines/ingest-dsn/reader.ts.
 */

/** Maximum length (characters) of a named column, in any CSV import. */
export const LONGUEUR_MAX_COLONNE: Record<string, number> = {
  // identifiers: a CPAM claim number, a group's code
  sinistre_id: 64,
  groupe_id: 64,
  // names: the raison sociale / enseigne lines of a letter (the DSN allows 80 for S21.G00.06 names; we keep 200
  // for the référentiel's longer legal names)
  raison_sociale: 200,
  nom: 200,
  libelle: 300,
  // labels of the national statistics table (CTN, NAF levels)
  libelle_ctn: 300,
  libelle_naf5: 300,
  libelle_naf2: 300,
  libelle_naf38: 300,
  // postal address lines (AFNOR NF Z10-011: 38 characters per line, several lines joined here)
  adresse: 300,
  commune: 100,
  // RFC 5321: a forward path of at most 256 octets, an address of at most 254 characters
  email_notification: 254,
  source: 500,
};

/** Any other cell of a CSV import (numbers, codes, dates…): far beyond a valid value. */
export const LONGUEUR_MAX_CELLULE = 100;

/** The problem of a cell, if any: too long, or a control character (NUL…) inside. */
export function problemeCellule(colonne: string, valeur: string): string | undefined {
  const max = LONGUEUR_MAX_COLONNE[colonne] ?? LONGUEUR_MAX_CELLULE;
  if (valeur.length > max) return `valeur de ${valeur.length} caractères, au plus ${max} admis`;
  // eslint-disable-next-line no-control-regex
  const c = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.exec(valeur);
  if (c) return `caractère de contrôle U+${c[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()} dans la valeur`;
  return undefined;
}
