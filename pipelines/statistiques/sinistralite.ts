/**
 * Sinistralité statistics by code risque, CTN, NAF5, NAF2, NAF38 or CTN × NAF5 (docs/statistiques.md): the
 * set-based query sql/statistiques/sinistralite.sql over the views of sql/migrations/0011_statistiques_nationales.sql,
 * with the national figures of the same cell (closest loaded year) and secondary secrecy, streamed to a CSV or JSON
 * file or to standard output. Two layouts: atmp's columns, or the national table's columns in its order and under
 * its names. The result is read through a server-side cursor, FETCH by FETCH, on both backends (knex's .stream()
 * would materialise it on PGlite, and keyset pages would re-run the aggregation once per page). Every figure stays a
 * decimal string from PostgreSQL's numeric to the file (never a float).
 */
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Knex } from 'knex';
import { Decimal } from 'decimal.js';
import type { Db } from '../../lib/db.ts';
import { compile, runSql, sqlText } from '../../lib/sql.ts';
import { celluleExport } from '../../lib/csv.ts';
import { UserError } from '../../lib/errors.ts';
import { anneeLaPlusProche, anneesChargees, COLONNES_NATIONALES, type ChampNational } from './reference.ts';
import { secretSecondaire, type Cellule } from './secret-secondaire.ts';

export const PARS = ['code-risque', 'ctn', 'naf5', 'naf2', 'naf38', 'ctn-naf'] as const;
export type Par = (typeof PARS)[number];
/** Former name of a level, still accepted. */
export const ALIAS_PARS: Record<string, Par> = { naf: 'naf5' };
export const DISPOSITIONS = ['atmp', 'nationales'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];
export type Format = 'csv' | 'json';

/** The levels published with a total line (secondary secrecy): the crossing with its CTN and NAF5 totals, a code
 * risque in its CTN, a NAF5 in its NAF2, a NAF2 in its NAF38. */
const NIVEAUX_EMBOITES: readonly Par[] = ['ctn-naf', 'code-risque', 'naf5', 'naf2'];

export interface OptionsSinistralite {
  annee: number;
  par: Par;
  format?: Format;
  /** columns: atmp's (default) or the national table's */
  colonnes?: Disposition;
  /** file to write, '-' for standard output; default <outDir>/statistiques/sinistralite-<annee>-<par>.<format> */
  out?: string;
  /** root of the outputs (ATMP_OUT_DIR) */
  outDir: string;
  /** CSV for a French spreadsheet: `;` separator and decimal comma */
  fr?: boolean;
  /** CSV: UTF-8 byte order mark (spreadsheets then read the accents right) */
  bom?: boolean;
  /** rows per FETCH */
  page?: number;
  /** standard output when out is '-' (tests) */
  sortieStandard?: Writable;
}

export interface ResultatSinistralite {
  chemin: string;
  lignes: number;
  secretes: number;
  secondaires: number;
  metadata: Metadata;
}

/** A row of sql/statistiques/sinistralite.sql (decimal strings, booleans or null). */
type Ligne = Record<string, string | number | boolean | null>;

/** Regional figures of a row, atmp layout, in output order. */
export const COLONNES_CHIFFRES = [
  'nb_etablissements', 'nb_entreprises', 'effectif', 'heures', 'masse_salariale',
  'at_avec_arret', 'at_4j_ou_plus', 'at_jours_it', 'at_nouvelles_ip', 'at_ip_moins_10', 'at_ip_10_ou_plus',
  'at_somme_taux_ip_moins_10', 'at_somme_taux_ip', 'at_deces',
  'trajet_accidents', 'trajet_jours_it', 'trajet_nouvelles_ip', 'trajet_somme_taux_ip', 'trajet_deces',
  'mp_maladies', 'mp_jours_it', 'mp_nouvelles_ip', 'mp_somme_taux_ip', 'mp_deces',
  'indice_frequence', 'taux_frequence', 'taux_gravite', 'indice_gravite',
] as const;

/** The national figures of the same cell and the ratios (empty when no national table applies). */
export const COLONNES_NATIONALES_COMPAREES = [
  'nat_annee', 'nat_salaries', 'nat_heures', 'nat_nb_siret', 'nat_at', 'nat_at_4j_ou_plus', 'nat_nouvelles_ip',
  'nat_ip_moins_10', 'nat_ip_10_ou_plus', 'nat_deces', 'nat_journees_it', 'nat_somme_taux_ip_moins_10', 'nat_somme_taux_ip',
  'nat_indice_frequence', 'nat_taux_frequence', 'nat_taux_gravite', 'nat_indice_gravite',
  'ratio_indice_frequence', 'ratio_taux_frequence', 'ratio_taux_gravite', 'ratio_indice_gravite',
] as const;

const INDICATEURS = ['indice_frequence', 'taux_frequence', 'taux_gravite', 'indice_gravite'] as const;
const NOM_INDICATEUR: Record<(typeof INDICATEURS)[number], string> = {
  indice_frequence: 'Indice de fréquence', taux_frequence: 'Taux de fréquence', taux_gravite: 'Taux de gravité', indice_gravite: 'Indice de gravité',
};

/** An output column: its header and the field of the SQL row it shows. */
interface Colonne {
  nom: string;
  champ: string;
  /** a figure (decimal string) */
  chiffre?: boolean;
  /** regional figure, emptied for a withheld cell (checked against the SQL) */
  regional?: boolean;
  /** a CTN code, doubled in the national layout */
  ctn?: boolean;
}

/** Key columns of each level (field of the SQL row). */
const CLES: Record<Par, { atmp: [string, string][]; nationales: [string, string][] }> = {
  'code-risque': { atmp: [['code_risque', 'cle'], ['libelle', 'libelle'], ['ctn', 'ctn']], nationales: [['Code risque', 'cle'], ['Libellé du code risque', 'libelle'], ['CTN', 'ctn'], ['Libellé du CTN', 'libelle_ctn']] },
  ctn: { atmp: [['ctn', 'ctn'], ['libelle', 'libelle_ctn']], nationales: [['CTN', 'ctn'], ['Libellé du CTN', 'libelle_ctn']] },
  naf5: { atmp: [['naf5', 'naf5'], ['libelle_naf5', 'libelle_naf5'], ['naf2', 'naf2'], ['naf38', 'naf38']], nationales: [] },
  naf2: { atmp: [['naf2', 'naf2'], ['libelle_naf2', 'libelle_naf2'], ['naf38', 'naf38']], nationales: [] },
  naf38: { atmp: [['naf38', 'naf38'], ['libelle_naf38', 'libelle_naf38']], nationales: [] },
  'ctn-naf': { atmp: [['ctn', 'ctn'], ['naf5', 'naf5'], ['libelle_naf5', 'libelle_naf5'], ['naf2', 'naf2'], ['naf38', 'naf38']], nationales: [] },
};
// national layout: the national table's key columns that the level has, under their published names
const CLES_NATIONALES: Record<Par, ChampNational[]> = {
  'code-risque': [], ctn: ['ctn', 'libelle_ctn'],
  naf5: ['naf5', 'libelle_naf5', 'naf2', 'libelle_naf2', 'naf38', 'libelle_naf38'],
  naf2: ['naf2', 'libelle_naf2', 'naf38', 'libelle_naf38'], naf38: ['naf38', 'libelle_naf38'],
  'ctn-naf': ['ctn', 'libelle_ctn', 'naf5', 'libelle_naf5', 'naf2', 'libelle_naf2', 'naf38', 'libelle_naf38'],
};
/** The regional figure shown under each of the national table's measures. */
const MESURE_REGIONALE: Record<string, string> = {
  salaries: 'effectif', heures: 'heures', nb_siret: 'nb_etablissements', at_premier_reglement: 'at_avec_arret',
  at_4j_ou_plus: 'at_4j_ou_plus', nouvelles_ip: 'at_nouvelles_ip', ip_moins_10: 'at_ip_moins_10', ip_10_ou_plus: 'at_ip_10_ou_plus',
  deces: 'at_deces', journees_it: 'at_jours_it', somme_taux_ip_moins_10: 'at_somme_taux_ip_moins_10', somme_taux_ip: 'at_somme_taux_ip',
};
const MESURE_NATIONALE: Record<string, string> = {
  salaries: 'nat_salaries', heures: 'nat_heures', nb_siret: 'nat_nb_siret', at_premier_reglement: 'nat_at',
  at_4j_ou_plus: 'nat_at_4j_ou_plus', nouvelles_ip: 'nat_nouvelles_ip', ip_moins_10: 'nat_ip_moins_10', ip_10_ou_plus: 'nat_ip_10_ou_plus',
  deces: 'nat_deces', journees_it: 'nat_journees_it', somme_taux_ip_moins_10: 'nat_somme_taux_ip_moins_10', somme_taux_ip: 'nat_somme_taux_ip',
};

/** The output columns of a level and layout. */
export function colonnesDe(par: Par, disposition: Disposition = 'atmp'): Colonne[] {
  const estCtn = (champ: string) => champ === 'ctn';
  if (disposition === 'atmp') {
    return [
      ...CLES[par].atmp.map(([nom, champ]) => ({ nom, champ, ctn: estCtn(champ) })),
      { nom: 'secret', champ: 'secret' }, { nom: 'motif_secret', champ: 'motif_secret' },
      ...COLONNES_CHIFFRES.map((c) => ({ nom: c, champ: c, chiffre: true, regional: true })),
      ...COLONNES_NATIONALES_COMPAREES.map((c) => ({ nom: c, champ: c, chiffre: true, regional: c.startsWith('ratio_') })),
    ];
  }
  const publie = (champ: string) => COLONNES_NATIONALES.find((c) => c.champ === champ)!.publie;
  return [
    ...(par === 'code-risque' ? CLES[par].nationales.map(([nom, champ]) => ({ nom, champ, ctn: estCtn(champ) })) : CLES_NATIONALES[par].map((c) => ({ nom: publie(c), champ: c, ctn: estCtn(c) }))),
    ...Object.entries(MESURE_REGIONALE).map(([n, champ]) => ({ nom: publie(n), champ, chiffre: true, regional: true })),
    { nom: 'Secret statistique', champ: 'secret' }, { nom: 'Motif du secret', champ: 'motif_secret' },
    ...INDICATEURS.map((i) => ({ nom: NOM_INDICATEUR[i], champ: i, chiffre: true, regional: true })),
    { nom: 'Année de la table nationale', champ: 'nat_annee', chiffre: true },
    ...Object.entries(MESURE_NATIONALE).map(([n, champ]) => ({ nom: `National – ${publie(n)}`, champ, chiffre: true })),
    ...INDICATEURS.map((i) => ({ nom: `National – ${NOM_INDICATEUR[i]}`, champ: `nat_${i}`, chiffre: true })),
    ...INDICATEURS.map((i) => ({ nom: `Rapport à la nation – ${NOM_INDICATEUR[i]}`, champ: `ratio_${i}`, chiffre: true, regional: true })),
  ];
}

/** Header names of a level and layout. */
export const colonnes = (par: Par, disposition: Disposition = 'atmp') => colonnesDe(par, disposition).map((c) => c.nom);

const LIBELLE_PAR: Record<Par, string> = {
  'code-risque': 'code risque', ctn: 'CTN', naf5: 'code NAF (NAF5, APET)', naf2: 'NAF2', naf38: 'NAF38', 'ctn-naf': 'CTN × code NAF (NAF5)',
};

export interface Metadata {
  titre: string;
  annee: number;
  par: Par;
  disposition: Disposition;
  genere_le: string;
  secret_statistique: {
    regle: string;
    seuil_entreprises: number;
    seuil_dominance: string;
    grandeurs_dominance: string[];
    motifs: Record<string, string>;
    secret_secondaire: { regle: string; applique: boolean; cellules: number; exposees: string[] };
  };
  comparaison_nationale: { annee_table: number | null; source: string | null; note: string };
  definitions: Record<string, string>;
  hors_champ: { etablissements_sans_section: number; etablissements_bureaux: number; mp_compte_special: number; regle: string };
  colonnes: string[];
  format: { separateur: string; decimale: string; encodage: string };
  documentation: string;
}

export const DEFINITIONS: Record<string, string> = {
  effectif: 'salariés : somme des effectifs mensuels R130-1 (DSN) des 12 mois de l’année divisée par 12 (mois sans salarié comptés 0), non tronquée, arrondie à 2 décimales',
  heures: 'heures rémunérées déclarées en DSN sur les mois de l’année',
  masse_salariale: 'masse salariale (base 03) des déclarations DSN retenues rattachée aux mois de l’année',
  at_avec_arret: 'AT en 1er règlement dans l’année : lecture faute de date de paiement dans l’extrait CPAM, année du premier jour d’arrêt indemnisé (lendemain de l’accident) si jours d’arrêt > 0 sinon année de notification de l’IP sinon année de l’accident pour un décès',
  at_4j_ou_plus: 'dont AT avec 4 jours d’arrêt ou plus sur l’année : AT en 1er règlement dont au moins 4 jours d’arrêt tombent dans l’année',
  jours_it: 'journées d’IT payées dans l’année : jours de la période d’arrêt (du lendemain de l’accident, jours d’arrêt du sinistre, lue continue) tombant dans l’année, quelle que soit l’année du 1er règlement',
  nouvelles_ip: 'sinistres dont le taux d’IP (> 0) a été notifié dans l’année, dont taux < 10 % et ≥ 10 %',
  somme_taux_ip: 'somme des taux de ces IP, chaque décès compté comme une IP de 99 % (comme la table nationale) ; somme_taux_ip_moins_10 : des seules IP < 10 %',
  deces: 'décès avant consolidation : sinistre mortel sans taux d’IP notifié (un taux d’IP marque la consolidation)',
  trajet: 'accidents de trajet : mêmes règles et présentés à part ; exclus des indicateurs',
  mp: 'maladies professionnelles : mêmes règles ; hors compte spécial ; exclues des indicateurs',
  indice_frequence: 'AT en 1er règlement × 1 000 / salariés (effectif)',
  taux_frequence: 'AT en 1er règlement × 1 000 000 / heures travaillées',
  taux_gravite: 'journées d’IT × 1 000 / heures travaillées',
  indice_gravite: 'somme des taux d’IP × 1 000 000 / heures travaillées',
  ratios: 'rapport à la nation : indicateur régional / indicateur national de la même cellule, calculés avant arrondi',
  arrondi: 'indicateurs, rapports et effectif arrondis à 2 décimales (demi à l’écart de zéro) ; vides quand le dénominateur est nul',
  champ: 'établissements ayant une section principale autre que 00.00A/00.00B ; bureaux et sièges (établissements ne déclarant que des codes FSNA ou bureau) exclus ; chiffres par SIRET rattachés au code de la section principale ; NAF : APET de l’établissement',
};

const nombre = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

async function secondaires(knex: Knex | Knex.Transaction, annee: number, par: Par): Promise<{ cles: string[]; exposes: string[] }> {
  if (!NIVEAUX_EMBOITES.includes(par)) return { cles: [], exposes: [] };
  const rows = await runSql<Record<string, string | boolean | null>>(knex, 'statistiques/secret-secondaire.sql', { annee, par });
  const cellules: Cellule[] = rows.map((r) => {
    const l1 = { id: `${r.par1}:${r.ligne1}`, publie: !r.secret1 };
    return {
      cle: String(r.cle),
      secret: !!r.secret,
      cout: Number(r.cout ?? 0), // ordering only: which cell is cheaper to withhold
      lignes: r.par2 ? [l1, { id: `${r.par2}:${r.ligne2}`, publie: !r.secret2 }] : [l1],
    };
  });
  const res = secretSecondaire(cellules);
  return { cles: res.secondaires, exposes: res.exposees };
}

async function lireMetadata(
  knex: Knex | Knex.Transaction,
  o: { annee: number; par: Par; format: Format; fr: boolean; bom: boolean; disposition: Disposition; anneeRef: number | undefined; secondaires: { cles: string[]; exposes: string[] } },
): Promise<Metadata> {
  const regle = await knex('stat_regle_secret').where({ id: 1 }).first();
  if (!regle) throw new Error('la table stat_regle_secret est vide (migration 0006)');
  const seuil = Number(regle.seuil_entreprises);
  const dominance = new Decimal(regle.seuil_dominance).times(100).toString();
  const [hc] = await runSql<Record<string, unknown>>(knex, 'statistiques/hors-champ.sql', { annee: o.annee });
  const imp = o.anneeRef === undefined ? undefined : await knex('stat_reference_import').where({ annee: o.anneeRef }).first();
  const csv = o.format === 'csv';
  const emboite = NIVEAUX_EMBOITES.includes(o.par);
  const lignesTotal: Record<string, string> = { 'ctn-naf': 'de leur CTN et de leur code NAF (tables par CTN et par NAF5)', 'code-risque': 'de leur CTN (table par CTN)', naf5: 'de leur NAF2 (table par NAF2)', naf2: 'de leur NAF38 (table par NAF38)' };
  let note: string;
  if (o.anneeRef === undefined) note = 'aucune table nationale chargée : colonnes nationales vides (atmp stats reference import FICHIER --annee N)';
  else if (o.par === 'code-risque') note = 'la table nationale n’a pas de code risque : colonnes nationales vides à ce niveau';
  else if (o.anneeRef === o.annee) note = `table nationale ${o.anneeRef} (même année)`;
  else note = `table nationale ${o.anneeRef} : pas de table ${o.annee} chargée, année chargée la plus proche`;
  return {
    titre: `Statistiques de sinistralité AT/MP ${o.annee} par ${LIBELLE_PAR[o.par]}`,
    annee: o.annee,
    par: o.par,
    disposition: o.disposition,
    genere_le: new Date().toISOString(),
    secret_statistique: {
      regle: `cellule couverte par le secret si elle décrit moins de ${seuil} entreprises (SIREN distincts) ou si une entreprise pèse plus de ${dominance} % de son effectif, de ses heures ou de sa masse salariale : la ligne reste avec sa clé, secret = oui et son motif, tous ses chiffres régionaux et ses rapports sont vidés`,
      seuil_entreprises: seuil,
      seuil_dominance: new Decimal(regle.seuil_dominance).toString(),
      grandeurs_dominance: ['effectif', 'heures', 'masse_salariale'],
      motifs: {
        seuil: `moins de ${seuil} entreprises (SIREN distincts) dans la cellule`,
        dominance: `une entreprise pèse plus de ${dominance} % de l’effectif, des heures ou de la masse salariale de la cellule`,
        secondaire: 'secret secondaire : cellule retirée pour qu’aucune cellule secrète ne se déduise par différence des totaux publiés avec elle',
      },
      secret_secondaire: emboite
        ? {
            regle: `les cellules sont publiées avec les totaux ${lignesTotal[o.par]} : des cellules supplémentaires (les plus petites) sont retirées jusqu’à ce qu’aucune cellule secrète, ni aucun total secret, ne se calcule par différence`,
            applique: true,
            cellules: o.secondaires.cles.length,
            exposees: o.secondaires.exposes,
          }
        : { regle: 'niveau sans total publié avec lui : pas de secret secondaire (ne pas publier de total de la région avec cette table sans vérifier qu’aucune cellule secrète ne s’en déduit)', applique: false, cellules: 0, exposees: [] },
    },
    comparaison_nationale: o.par === 'code-risque' ? { annee_table: null, source: null, note } : { annee_table: o.anneeRef ?? null, source: imp ? String(imp.source) : null, note },
    definitions: DEFINITIONS,
    hors_champ: {
      etablissements_sans_section: nombre(hc?.etablissements_sans_section),
      etablissements_bureaux: nombre(hc?.etablissements_bureaux),
      mp_compte_special: nombre(hc?.mp_compte_special),
      regle: 'établissements ayant des faits DSN dans l’année sans section principale statistique ; établissements ne déclarant que des codes FSNA ou bureau ; MP du compte spécial (CTN Z) en premier règlement dans l’année',
    },
    colonnes: colonnes(o.par, o.disposition),
    format: {
      separateur: csv ? (o.fr ? ';' : ',') : '',
      decimale: csv && o.fr ? ',' : '.',
      encodage: csv && o.bom ? 'UTF-8 avec BOM' : 'UTF-8',
    },
    documentation: 'docs/statistiques.md',
  };
}

/** A value as written: decimal string (decimal comma on demand), oui/non for the secret flag, '' for null. */
function texte(c: Colonne, v: unknown, fr: boolean, disposition: Disposition): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v ? 'oui' : 'non';
  const s = String(v);
  if (c.chiffre) {
    // numeric / bigint from the database: already a decimal string or a safe integer; checked, never reparsed as float
    if (!/^-?\d+(\.\d+)?$/.test(s)) throw new Error(`valeur non décimale dans ${c.champ}: ${s}`);
    return fr ? s.replace('.', ',') : s;
  }
  // the national table doubles the CTN letter (AA for A)
  if (c.ctn && disposition === 'nationales' && /^[A-I]$/.test(s)) return s + s;
  return s;
}

/** A header comment line: `# text`, without the separator nor quotes so that a spreadsheet keeps it in one cell
 * (`,` becomes ` ;` in a `,` file, `;` becomes ` –` in a `;` file). */
const commentaire = (t: string, sep: string) =>
  `# ${t.replace(sep === ',' ? /\s*,\s*/g : /\s*;\s*/g, sep === ',' ? ' ; ' : ' – ').replaceAll('"', "'")}`;

function enteteCsv(m: Metadata, sep: string): string[] {
  const ss = m.secret_statistique;
  const l = [
    m.titre,
    `Généré le ${m.genere_le} par atmp stats sinistralite`,
    `Secret statistique : ${ss.regle}`,
    `Motifs : seuil = ${ss.motifs.seuil} ; dominance = ${ss.motifs.dominance} ; secondaire = ${ss.motifs.secondaire}`,
    `Secret secondaire : ${ss.secret_secondaire.regle}${ss.secret_secondaire.applique ? ` ; ${ss.secret_secondaire.cellules} cellule(s) retirée(s)` : ''}${ss.secret_secondaire.exposees.length ? ` ; cellules ou totaux secrets que les seuls totaux publiés déterminent (ne pas publier cette table avec ses deux tables de totaux) : ${ss.secret_secondaire.exposees.join(' ')}` : ''}`,
    `Comparaison nationale : ${m.comparaison_nationale.note}${m.comparaison_nationale.source ? ` ; source : ${m.comparaison_nationale.source}` : ''}`,
    ...Object.entries(m.definitions).map(([k, v]) => `${k} : ${v}`),
    `Hors champ : ${m.hors_champ.etablissements_sans_section} établissement(s) sans section principale ; ${m.hors_champ.etablissements_bureaux} bureau(x) ou siège(s) ; ${m.hors_champ.mp_compte_special} MP du compte spécial`,
    `Nombres : point ou virgule décimale selon l’option --fr ; sans séparateur de milliers. Documentation : ${m.documentation}`,
  ];
  return l.map((t) => commentaire(t, sep));
}

async function ecrire(flux: Writable, s: string): Promise<void> {
  if (!flux.write(s)) await once(flux, 'drain');
}

/** Writes the table; returns where and how many rows (and how many withheld). */
export async function exporterSinistralite(db: Db, opts: OptionsSinistralite): Promise<ResultatSinistralite> {
  const par = (ALIAS_PARS[opts.par] ?? opts.par) as Par;
  if (!PARS.includes(par)) throw new UserError(`--par ${opts.par} : ${PARS.join(', ')} attendu`, 2);
  const format: Format = opts.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new UserError(`--format ${format} : csv ou json attendu`, 2);
  const disposition: Disposition = opts.colonnes ?? 'atmp';
  if (!DISPOSITIONS.includes(disposition)) throw new UserError(`--colonnes ${disposition} : ${DISPOSITIONS.join(' ou ')} attendu`, 2);
  const fr = !!opts.fr && format === 'csv';
  const bom = !!opts.bom && format === 'csv';
  const page = opts.page ?? 500;
  if (!Number.isInteger(page) || page < 1) throw new Error(`page ${page} : entier positif attendu`);
  const versSortie = opts.out === '-';
  const chemin = versSortie ? '-' : resolve(opts.out ?? join(opts.outDir, 'statistiques', `sinistralite-${opts.annee}-${par}.${format}`));
  const partiel = `${chemin}.partiel`;
  const cols = colonnesDe(par, disposition);
  const sep = fr ? ';' : ',';
  let lignes = 0;
  let secretes = 0;
  let nSecondaires = 0;

  let metadata: Metadata | undefined;
  let flux: Writable;
  if (versSortie) flux = opts.sortieStandard ?? process.stdout;
  else {
    mkdirSync(dirname(chemin), { recursive: true });
    flux = createWriteStream(partiel, { encoding: 'utf8' });
  }
  const erreurFlux = new Promise<never>((_, reject) => flux.once('error', reject));
  erreurFlux.catch(() => {});
  try {
    await Promise.race([
      erreurFlux,
      (async () => {
        // A cursor lives in a transaction, on one connection (the only one on PGlite); repeatable read: the header's
        // counts, the secondary secrecy and the rows come from one snapshot even while an ingestion runs.
        await db.knex.transaction(async (trx) => {
          await trx.raw('set transaction isolation level repeatable read, read only');
          const anneeRef = anneeLaPlusProche(await anneesChargees(trx), opts.annee);
          const sec = await secondaires(trx, opts.annee, par);
          const m = await lireMetadata(trx, { annee: opts.annee, par, format, fr, bom, disposition, anneeRef, secondaires: sec });
          metadata = m;
          if (format === 'csv') {
            await ecrire(flux, (bom ? '\ufeff' : '') + [...enteteCsv(m, sep), cols.map((c) => celluleExport(c.nom, sep)).join(sep)].join('\r\n') + '\r\n');
          } else {
            await ecrire(flux, `{\n"metadata": ${JSON.stringify(m, null, 2)},\n"lignes": [`);
          }
          const { text, values } = compile(sqlText('statistiques/sinistralite.sql'), {
            annee: opts.annee, par, annee_ref: par === 'code-risque' ? null : (anneeRef ?? null), secondaires: sec.cles,
          });
          await trx.raw(`declare stat_sinistralite no scroll cursor for ${text}`, values as Knex.RawBinding[]);
          for (;;) {
            const r = await trx.raw(`fetch forward ${page} from stat_sinistralite`);
            const rows = (r.rows ?? r) as Ligne[];
            for (const row of rows) {
              if (row.secret) {
                secretes++;
                if (row.motif_secret === 'secondaire') nSecondaires++;
                // a withheld cell shows none of its regional figures: checked here, whatever the SQL says
                for (const c of cols) if (c.regional && row[c.champ] !== null) throw new Error(`cellule secrète ${row.cle} : ${c.champ} non vidé`);
              }
              const valeurs = cols.map((c) => texte(c, row[c.champ], fr, disposition));
              if (format === 'csv') {
                await ecrire(flux, valeurs.map((v) => celluleExport(v ?? '', sep)).join(sep) + '\r\n');
              } else {
                const objet = Object.fromEntries(cols.map((c, i) => [c.nom, c.champ === 'secret' ? !!row.secret : valeurs[i]]));
                await ecrire(flux, `${lignes ? ',' : ''}\n  ${JSON.stringify(objet)}`);
              }
              lignes++;
            }
            if (rows.length < page) break;
          }
          await trx.raw('close stat_sinistralite');
        });
        if (format === 'json') await ecrire(flux, `\n]\n}\n`);
        if (!versSortie) {
          flux.end();
          await once(flux, 'finish');
        }
      })(),
    ]);
    if (!versSortie) renameSync(partiel, chemin);
  } catch (e) {
    if (!versSortie) {
      flux.destroy();
      rmSync(partiel, { force: true });
    }
    throw e;
  }
  return { chemin, lignes, secretes, secondaires: nSecondaires, metadata: metadata! };
}
