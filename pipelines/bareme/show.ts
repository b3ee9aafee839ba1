/** What is loaded for a rate year, and what is missing: `atmp bareme show N`. */
import type { Knex } from 'knex';
import { CTNS, categoriesAttendues, type TableCouts } from '../../rules/bareme.ts';
import { arreteDe, texteAlsaceMoselle } from './reference.ts';

interface TableTaux {
  nombre: number;
  source: string | null;
  /** C legal text, S2 two secondary sources, S1 one; null for an imported annex (its source says what it is) */
  confiance: string | null;
  origine: string | null;
  valeurs: Record<string, string>;
}

export interface BaremeReport {
  annee: number;
  complet: boolean;
  majorations: null | { m1: string; m2: string; m3: string; m4: string; tnmn: string | null; date_debut: string; date_fin: string; source: string; confiance: string | null; origine: string };
  taux_collectifs: TableTaux;
  /** annex 3; `codes_sans_taux`: codes of annex 1 that have no Alsace-Moselle rate loaded */
  taux_collectifs_alsace_moselle: TableTaux & { codes_sans_taux: number };
  couts_moyens: Record<string, Record<string, string>>;
  /** confidence mark of every loaded coût moyen (same shape as couts_moyens) */
  couts_moyens_confiance: Record<string, Record<string, string>>;
  /** values whose sources disagree: the legal text's value is loaded, the conflict is named */
  conflits: string[];
  manquants: string[];
  /** CTN whose coûts moyens grid is incomplete, with the missing categories */
  couts_moyens_manquants: Record<string, string[]>;
}

const TABLES: TableCouts[] = [...CTNS.slice(0, 1), 'B', 'B-AM', ...CTNS.slice(2)];

function tableTaux(rows: { code_risque: string; taux_net: string; source: string; confiance: string | null; origine: string }[]): TableTaux {
  return {
    nombre: rows.length,
    source: rows[0]?.source ?? null,
    confiance: rows[0]?.confiance ?? null,
    origine: rows[0]?.origine ?? null,
    valeurs: Object.fromEntries(rows.map((t) => [t.code_risque, t.taux_net])),
  };
}

export async function rapportBareme(knex: Knex, annee: number): Promise<BaremeReport> {
  const maj = await knex('bareme_majorations').where({ annee }).first();
  const taux = await knex('bareme_taux_collectif').where({ annee }).orderBy('code_risque').select('code_risque', 'zone', 'taux_net', 'source', 'confiance', 'origine');
  const couts = await knex('bareme_cout_moyen').where({ annee }).orderBy(['ctn', 'categorie']).select('ctn', 'categorie', 'montant', 'confiance', 'source');

  const general = taux.filter((t) => t.zone === 'general');
  const am = taux.filter((t) => t.zone === 'alsace_moselle');
  const couts_moyens: Record<string, Record<string, string>> = {};
  const couts_moyens_confiance: Record<string, Record<string, string>> = {};
  const conflits: string[] = [];
  for (const c of couts) {
    (couts_moyens[c.ctn] ??= {})[c.categorie] = c.montant;
    if (c.confiance) (couts_moyens_confiance[c.ctn] ??= {})[c.categorie] = c.confiance;
    if (/conflit/i.test(c.confiance ?? '')) conflits.push(`coût moyen ${annee} CTN ${c.ctn} ${c.categorie} : ${c.montant} retenu — ${c.source}`);
  }

  const couts_moyens_manquants: Record<string, string[]> = {};
  for (const table of TABLES) {
    const missing = categoriesAttendues(table).filter((cat) => !couts_moyens[table]?.[cat]);
    if (missing.length) couts_moyens_manquants[table] = missing;
  }
  const codesAm = new Set(am.map((t) => t.code_risque));
  const codesSansTauxAm = general.filter((t) => !codesAm.has(t.code_risque)).length;

  const manquants: string[] = [];
  if (!general.length) manquants.push(`taux collectifs ${annee} non chargés (annexe 1 de l'${arreteDe(annee)})`);
  if (!am.length) manquants.push(`taux collectifs Alsace-Moselle ${annee} non chargés (${texteAlsaceMoselle(annee)})`);
  else if (codesSansTauxAm) {
    manquants.push(`taux collectifs Alsace-Moselle ${annee} partiels : ${am.length} codes chargés, ${codesSansTauxAm} codes de l'annexe 1 sans taux d'Alsace-Moselle (${texteAlsaceMoselle(annee)})`);
  }
  if (!maj) manquants.push(`majorations M1–M4 ${annee} non chargées`);
  else if (maj.tnmn == null) manquants.push(`taux net moyen national ${annee} inconnu`);
  const ctnManquants = Object.keys(couts_moyens_manquants);
  if (ctnManquants.length) {
    manquants.push(
      `coûts moyens ${annee} : ` +
        ctnManquants
          .map((t) => (couts_moyens_manquants[t].length === categoriesAttendues(t as TableCouts).length ? `CTN ${t} manquant` : `CTN ${t} incomplet (${couts_moyens_manquants[t].join(', ')})`))
          .join(' ; '),
    );
  }
  return {
    annee,
    complet: manquants.length === 0,
    majorations: maj
      ? { m1: maj.m1, m2: maj.m2, m3: maj.m3, m4: maj.m4, tnmn: maj.tnmn, date_debut: maj.date_debut, date_fin: maj.date_fin, source: maj.source, confiance: maj.confiance, origine: maj.origine }
      : null,
    taux_collectifs: tableTaux(general),
    taux_collectifs_alsace_moselle: { ...tableTaux(am), codes_sans_taux: codesSansTauxAm },
    couts_moyens,
    couts_moyens_confiance,
    conflits,
    manquants,
    couts_moyens_manquants,
  };
}
