/**
 * Consolidated view of one establishment from the retained DSN declarations: per month the masse salariale
 * (régularisations of later declarations included, as signed deltas), the R130-1 monthly headcount, the hours and
 * the codes risque; per year the totals and the company's (SIREN) R130-1 effectif.
 */
import type { Knex } from 'knex';
import { D, ZERO, type Decimal } from '../../rules/decimal.ts';
import { effectifMoyen } from '../../rules/effectif.ts';
import { UserError } from '../../lib/errors.ts';
import { problemeSiret } from '../../lib/siret.ts';

export interface MoisEtablissement {
  mois: string;
  masse_salariale: string;
  effectif: string | null;
  heures: string;
  codes_risque: string[];
  taux_at: Record<string, string | null>;
}

export interface AnneeEtablissement {
  annee: number;
  masse_salariale: string;
  heures: string;
  /** average of the establishment's monthly headcounts, months with no employee left out, truncated */
  effectif_etablissement: string | null;
  /** CSS R130-1 I: company (SIREN) effectif: average of the monthly headcounts over all its establishments */
  effectif_entreprise: string | null;
  mois_retenus_entreprise: number;
}

export interface VueEtablissement {
  siret: string;
  siren: string;
  nic: string;
  apet: string | null;
  declarations_retenues: number;
  mois: MoisEtablissement[];
  annees: AnneeEtablissement[];
}

/**
 * The R130-1 average of rules/effectif.ts, with the number of months kept (null when no month had an employee).
 * R130-1 I: "l'effectif … correspond à la moyenne du nombre de personnes employées au cours de chacun des mois de
 * l'année civile … les mois au cours desquels aucun salarié n'est employé ne sont pas pris en compte"; the fraction
 * beyond the second decimal is dropped (truncation).
 */
export function moyenneR130_1(mensuels: Decimal[]): { effectif: string | null; mois: number } {
  const mois = mensuels.filter((x) => x.gt(ZERO)).length;
  return { effectif: mois ? effectifMoyen(mensuels).toFixed(2) : null, mois };
}

export async function vueEtablissement(knex: Knex, siret: string): Promise<VueEtablissement> {
  const p = problemeSiret(siret);
  if (p) throw new UserError(p, 2);
  const ident = await knex('dsn_declaration')
    .where({ siret, statut: 'retenue' })
    .orderBy([{ column: 'mois_principal', order: 'desc' }, { column: 'id', order: 'desc' }])
    .select('siren', 'nic', 'apet');
  if (!ident.length) throw new UserError(`SIRET ${siret} inconnu : aucune déclaration DSN retenue pour cet établissement`, 1);
  const siren = siret.slice(0, 9);

  const rows = (await knex.raw(
    `select to_char(f.mois, 'YYYY-MM') as mois, sum(f.masse_salariale)::text as masse, sum(f.effectif)::text as effectif,
            sum(f.heures)::text as heures
       from dsn_fait_retenu f
      where f.siret = ? group by f.mois order by f.mois`,
    [siret],
  )).rows as { mois: string; masse: string; effectif: string | null; heures: string }[];
  const risques = (await knex.raw(
    `select to_char(r.mois, 'YYYY-MM') as mois, r.code_risque, max(r.taux_at)::text as taux
       from dsn_fait_risque r join dsn_declaration d on d.id = r.declaration_id and d.statut = 'retenue'
      where r.siret = ? group by r.mois, r.code_risque order by r.mois, r.code_risque`,
    [siret],
  )).rows as { mois: string; code_risque: string; taux: string | null }[];
  const entreprise = (await knex.raw(
    `select to_char(f.mois, 'YYYY-MM') as mois, sum(f.effectif)::text as effectif
       from dsn_fait_retenu f
      where f.siren = ? and f.effectif is not null group by f.mois order by f.mois`,
    [siren],
  )).rows as { mois: string; effectif: string }[];

  const mois: MoisEtablissement[] = rows.map((r) => {
    const codes = risques.filter((x) => x.mois === r.mois);
    return {
      mois: r.mois,
      masse_salariale: D(r.masse).toFixed(),
      effectif: r.effectif === null ? null : D(r.effectif).toFixed(),
      heures: D(r.heures).toFixed(),
      codes_risque: codes.map((x) => x.code_risque),
      taux_at: Object.fromEntries(codes.map((x) => [x.code_risque, x.taux === null ? null : D(x.taux).toFixed(2)])),
    };
  });
  const annees = [...new Set(mois.map((m) => +m.mois.slice(0, 4)))].map((annee): AnneeEtablissement => {
    const ms = mois.filter((m) => +m.mois.slice(0, 4) === annee);
    const ent = moyenneR130_1(entreprise.filter((e) => +e.mois.slice(0, 4) === annee).map((e) => D(e.effectif)));
    return {
      annee,
      masse_salariale: ms.reduce((t, m) => t.plus(m.masse_salariale), ZERO).toFixed(),
      heures: ms.reduce((t, m) => t.plus(m.heures), ZERO).toFixed(),
      effectif_etablissement: moyenneR130_1(ms.filter((m) => m.effectif !== null).map((m) => D(m.effectif!))).effectif,
      effectif_entreprise: ent.effectif,
      mois_retenus_entreprise: ent.mois,
    };
  });
  return { siret, siren, nic: siret.slice(9), apet: ident[0].apet ?? null, declarations_retenues: ident.length, mois, annees };
}
