/**
 * The region's indice de fréquence against the nation's, per CTN, for the campaign report: the published CTN table
 * (sql/statistiques/sinistralite.sql: statistical secrecy applied, the national table of the year or the closest
 * loaded one) reduced to the two indicators.
 */
import type { Knex } from 'knex';
import { runSql } from '../../lib/sql.ts';
import { anneeLaPlusProche, anneesChargees } from './reference.ts';

export interface IndiceFrequenceCtn {
  ctn: string;
  libelle: string | null;
  /** the regional cell is withheld (statistical secrecy) */
  secret: boolean;
  /** decimal strings, null when unknown or withheld */
  region: string | null;
  nation: string | null;
  ratio: string | null;
}

export interface ComparaisonCtn {
  annee: number;
  /** year of the national table compared (the closest loaded), null when none is loaded */
  anneeNationale: number | null;
  lignes: IndiceFrequenceCtn[];
}

/** Every CTN of the region or of the nation, A to I, then the region's '(sans CTN)'. */
export async function indiceFrequenceParCtn(knex: Knex | Knex.Transaction, annee: number): Promise<ComparaisonCtn> {
  const anneeRef = anneeLaPlusProche(await anneesChargees(knex), annee) ?? null;
  const region = await runSql<Record<string, string | boolean | null>>(knex, 'statistiques/sinistralite.sql', { annee, par: 'ctn', annee_ref: anneeRef, secondaires: [] });
  const nation = anneeRef === null ? [] : await runSql<{ ctn: string; libelle_ctn: string; indice_frequence: string | null }>(
    knex,
    'statistiques/indice-frequence-national.sql',
    { annee: anneeRef },
  );
  const parCtn = new Map<string, IndiceFrequenceCtn>();
  for (const n of nation) parCtn.set(n.ctn, { ctn: n.ctn, libelle: n.libelle_ctn, secret: false, region: null, nation: n.indice_frequence, ratio: null });
  for (const r of region) {
    const ctn = String(r.ctn);
    const deja = parCtn.get(ctn);
    parCtn.set(ctn, {
      ctn, libelle: (r.libelle_ctn as string | null) ?? deja?.libelle ?? null, secret: !!r.secret,
      region: r.indice_frequence as string | null, nation: (r.nat_indice_frequence as string | null) ?? deja?.nation ?? null, ratio: r.ratio_indice_frequence as string | null,
    });
  }
  return { annee, anneeNationale: anneeRef, lignes: [...parCtn.values()].sort((a, b) => (a.ctn < b.ctn ? -1 : 1)) };
}
