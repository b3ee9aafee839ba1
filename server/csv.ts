/**
 * The rate export for payroll software: one row per establishment section and rate year, `;`-separated, UTF-8 with
 * a BOM, decimal comma, ISO dates. A cell starting with = + - @ (or a tab / carriage return) is prefixed with an
 * apostrophe so that a spreadsheet never reads it as a formula.
 */
import type { TauxAnnee } from '../pipelines/compte/donnees.ts';

export function cellule(v: string): string {
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[;"\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvTaux(taux: TauxAnnee[]): string {
  const lignes = [['siret', 'code_risque', 'section', 'taux', 'date_debut', 'date_fin']];
  for (const t of taux) lignes.push([t.siret, t.code_risque, t.section, t.taux.replace('.', ','), t.debut, t.fin]);
  return '\ufeff' + lignes.map((l) => l.map(cellule).join(';')).join('\r\n') + '\r\n';
}
