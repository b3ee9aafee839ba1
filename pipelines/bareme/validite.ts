/**
 * Validity period of each rate year's rates, as the barème states it (bareme_majorations.date_debut / date_fin,
 * from reference/majorations.csv or an imported arrêté): usually 1 January–31 December; the 2024 rates until
 * 30 April 2025 and the 2025 rates from 1 May 2025 (décret 2025-318). Read, never hard-coded.
 */
import type { Knex } from 'knex';

export interface Validite {
  debut: string;
  fin: string;
}

const iso = (d: string | Date) => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));

/** The validity of the rates of the given rate years that have a loaded barème (years without one are absent). */
export async function validitesTaux(knex: Knex | Knex.Transaction, annees: number[]): Promise<Map<number, Validite>> {
  if (!annees.length) return new Map();
  const rows: { annee: number; date_debut: string | Date; date_fin: string | Date }[] = await knex('bareme_majorations')
    .whereIn('annee', [...new Set(annees)]).select('annee', 'date_debut', 'date_fin');
  return new Map(rows.map((r) => [Number(r.annee), { debut: iso(r.date_debut), fin: iso(r.date_fin) }]));
}

export async function validiteTaux(knex: Knex | Knex.Transaction, annee: number): Promise<Validite | null> {
  return (await validitesTaux(knex, [annee])).get(annee) ?? null;
}
