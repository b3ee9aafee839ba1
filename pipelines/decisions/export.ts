/**
 * `atmp taux export --annee N`: the rates in force for payroll software, one row per SIRET × code risque × section
 * and period: successive decisions give successive rows (what the DSN must declare from which date).
 */
import type { Knex } from 'knex';
import { csvCell } from '../../lib/csv.ts';
import { calendriers, lireDecisions } from './store.ts';

export interface LigneExport {
  siret: string;
  siren: string;
  code_risque: string;
  section: string;
  bureau: boolean;
  fsna: boolean;
  taux: string;
  debut: string;
  fin: string;
  nature: string;
  decision: number;
}

export const COLONNES_EXPORT: (keyof LigneExport)[] = ['siret', 'siren', 'code_risque', 'section', 'bureau', 'fsna', 'taux', 'debut', 'fin', 'nature', 'decision'];

export async function exporterTaux(conn: Knex, annee: number, siren?: string): Promise<LigneExport[]> {
  const cals = calendriers(await lireDecisions(conn, { annee, siren }));
  return cals.flatMap((c) => c.segments.map((s) => ({
    siret: c.siret, siren: c.siren, code_risque: c.code_risque, section: c.section, bureau: c.section === 'bureau', fsna: c.section === 'fsna',
    taux: s.taux.toFixed(2), debut: s.debut, fin: s.fin, nature: s.nature, decision: s.ajustements.at(-1) ?? s.base,
  })));
}

/** A cell a spreadsheet would read as a formula (= + - @, tab, carriage return first) is prefixed with a quote. */
export const neutraliser = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);

export function versCsv(lignes: Record<string, unknown>[], colonnes: string[]): string {
  const cell = (v: unknown) => csvCell(neutraliser(typeof v === 'boolean' ? (v ? 'oui' : 'non') : v == null ? '' : String(v)));
  return [colonnes.join(';'), ...lignes.map((l) => colonnes.map((c) => cell(l[c])).join(';'))].join('\n') + '\n';
}
