/**
 * Establishment-month facts inserted as the DSN ingestion stores them (one synthetic retained declaration), for
 * campaign tests whose figures must be computed by hand.
 */
import type { Knex } from 'knex';

export interface FaitsEtablissement {
  /** masse salariale per year (stored on January of the year) */
  masses: Record<string, string>;
  /** R130-1 headcount of every month of the effectif year */
  effectif_2018?: string;
  effectifs?: Record<string, string>;
}

export async function insererFaits(knex: Knex, annee: number, faits: Record<string, FaitsEtablissement>): Promise<void> {
  const sha = `test-faits-${annee}`;
  await knex('dsn_fichier').insert({ sha256: sha, chemin: 'faits de test', octets: 0, declarations: 1 });
  const [{ id }] = await knex('dsn_declaration')
    .insert({ fichier_sha256: sha, ligne: 1, empreinte: sha, nature: '01', type: '01', statut: 'retenue', motif: 'faits de test' })
    .returning('id');
  const rows: Record<string, unknown>[] = [];
  const anneeEffectif = annee - 2;
  for (const [siret, f] of Object.entries(faits)) {
    const siren = siret.slice(0, 9);
    const parMois = new Map<string, { masse: string; effectif: string | null }>();
    for (const [a, m] of Object.entries(f.masses)) parMois.set(`${a}-01-01`, { masse: m, effectif: null });
    const eff = f.effectifs ?? (f.effectif_2018 ? Object.fromEntries(Array.from({ length: 12 }, (_, i) => [String(i + 1), f.effectif_2018!])) : {});
    for (const [mois, e] of Object.entries(eff)) {
      const cle = `${anneeEffectif}-${mois.padStart(2, '0')}-01`;
      parMois.set(cle, { masse: parMois.get(cle)?.masse ?? '0', effectif: e });
    }
    for (const [mois, v] of parMois) rows.push({ declaration_id: id, siren, siret, mois, masse_salariale: v.masse, effectif: v.effectif, heures: 0 });
  }
  await knex('dsn_fait_mensuel').insert(rows);
}
