/**
 * Sinistralité statistics by code risque, CTN or NAF (docs/tarification-atmp.md §12): the set-based query
 * sql/statistiques/sinistralite.sql over the views of sql/migrations/0006_statistiques.sql, streamed to a CSV or
 * JSON file. The result is read through a server-side cursor, FETCH by FETCH, on both backends: on PGlite,
 * knex's .stream() would materialise the whole result (docs/ecosystem.md §2.1), and keyset pages would re-run the
 * national aggregation once per page; a cursor runs it once and hands the rows over page by page. Every figure
 * stays a decimal string from PostgreSQL's numeric to the file (never a float).
 * Definitions and readings: pipelines/statistiques/README.md.
 */
import { createWriteStream, mkdirSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { once } from 'node:events';
import type { Knex } from 'knex';
import { Decimal } from 'decimal.js';
import type { Db } from '../../lib/db.ts';
import { compile, runSql, sqlText } from '../../lib/sql.ts';
import { csvCell } from '../../lib/csv.ts';
import { UserError } from '../../lib/errors.ts';

export const PARS = ['code-risque', 'ctn', 'naf'] as const;
export type Par = (typeof PARS)[number];
export type Format = 'csv' | 'json';

export interface OptionsSinistralite {
  annee: number;
  par: Par;
  format?: Format;
  /** file to write; default <outDir>/statistiques/sinistralite-<annee>-<par>.<format> */
  out?: string;
  /** root of the outputs (ATMP_OUT_DIR) */
  outDir: string;
  /** CSV for a French spreadsheet: `;` separator and decimal comma */
  fr?: boolean;
  /** CSV: UTF-8 byte order mark (spreadsheets then read the accents right) */
  bom?: boolean;
  /** rows per FETCH */
  page?: number;
}

export interface ResultatSinistralite {
  chemin: string;
  lignes: number;
  secretes: number;
  metadata: Metadata;
}

/** A row of sql/statistiques/sinistralite.sql: key, label, secrecy, then figures (decimal strings or null). */
type Ligne = Record<string, string | number | boolean | null>;

/** Figures of a row, in output order (after the key, label and secrecy columns). */
export const COLONNES_CHIFFRES = [
  'nb_etablissements', 'nb_entreprises', 'effectif', 'heures', 'masse_salariale',
  'at_avec_arret', 'at_jours_it', 'at_nouvelles_ip', 'at_somme_taux_ip', 'at_deces',
  'trajet_accidents', 'trajet_jours_it', 'trajet_nouvelles_ip', 'trajet_somme_taux_ip', 'trajet_deces',
  'mp_maladies', 'mp_jours_it', 'mp_nouvelles_ip', 'mp_somme_taux_ip', 'mp_deces',
  'indice_frequence', 'taux_frequence', 'taux_gravite', 'indice_gravite',
] as const;

const CLE: Record<Par, string> = { 'code-risque': 'code_risque', ctn: 'ctn', naf: 'naf' };
const LIBELLE_PAR: Record<Par, string> = { 'code-risque': 'code risque', ctn: 'CTN', naf: 'code NAF (APET)' };

/** Output columns for a breakdown: its key, the label (none for NAF: no nomenclature in the database), the CTN of a
 * code risque, the secrecy columns, the figures. */
export function colonnes(par: Par): string[] {
  return [CLE[par], ...(par === 'naf' ? [] : ['libelle']), ...(par === 'code-risque' ? ['ctn'] : []), 'secret', 'motif_secret', ...COLONNES_CHIFFRES];
}

export interface Metadata {
  titre: string;
  annee: number;
  par: Par;
  genere_le: string;
  secret_statistique: {
    regle: string;
    seuil_entreprises: number;
    seuil_dominance: string;
    grandeurs_dominance: string[];
    motifs: Record<string, string>;
    secret_secondaire: string;
  };
  definitions: Record<string, string>;
  hors_champ: { etablissements_sans_section: number; etablissements_bureaux: number; mp_compte_special: number; regle: string };
  colonnes: string[];
  format: { separateur: string; decimale: string; encodage: string };
  documentation: string;
}

export const MOTIFS_SECRET: Record<string, string> = {
  seuil: 'moins de 3 entreprises (SIREN distincts) dans la cellule',
  dominance: 'une entreprise pèse plus de 85 % de l’effectif, des heures ou de la masse salariale de la cellule',
};

export const DEFINITIONS: Record<string, string> = {
  effectif: 'somme des effectifs mensuels R130-1 (DSN) des 12 mois de l’année divisée par 12 (mois sans salarié comptés 0), non tronquée, arrondie à 2 décimales',
  heures: 'heures rémunérées déclarées en DSN sur les mois de l’année',
  masse_salariale: 'masse salariale (base 03) des déclarations DSN retenues rattachée aux mois de l’année',
  at_avec_arret: 'accidents du travail en premier règlement dans l’année : année du premier jour d’arrêt indemnisé (lendemain de l’accident) si jours d’arrêt > 0 sinon année de notification de l’IP sinon année de l’accident pour un décès',
  jours_it: 'jours d’arrêt des sinistres comptés dans l’année (imputés en entier à l’année du premier règlement)',
  nouvelles_ip: 'sinistres dont le taux d’IP (> 0) a été notifié dans l’année ; somme_taux_ip : somme de ces taux',
  deces: 'décès avant consolidation : sinistre mortel sans taux d’IP notifié (un taux d’IP marque la consolidation)',
  trajet: 'accidents de trajet : mêmes règles et présentés à part ; exclus des indicateurs',
  mp: 'maladies professionnelles : mêmes règles ; hors compte spécial ; exclues des indicateurs',
  indice_frequence: 'AT avec arrêt × 1 000 / effectif',
  taux_frequence: 'AT avec arrêt × 1 000 000 / heures travaillées',
  taux_gravite: 'jours d’IT des AT × 1 000 / heures travaillées',
  indice_gravite: 'somme des taux d’IP des nouvelles IP des AT × 1 000 000 / heures travaillées',
  arrondi: 'indicateurs et effectif arrondis à 2 décimales (demi à l’écart de zéro) ; vides quand le dénominateur est nul',
  champ: 'établissements ayant une section principale autre que 00.00A/00.00B ; bureaux et sièges (établissements ne déclarant que des codes FSNA ou bureau) exclus ; chiffres par SIRET rattachés au code de la section principale',
};

const nombre = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

async function lireMetadata(knex: Knex | Knex.Transaction, o: Required<Pick<OptionsSinistralite, 'annee' | 'par' | 'format' | 'fr' | 'bom'>>): Promise<Metadata> {
  const regle = await knex('stat_regle_secret').where({ id: 1 }).first();
  if (!regle) throw new Error('stat_regle_secret is empty (migration 0006)');
  const seuil = Number(regle.seuil_entreprises);
  const dominance = new Decimal(regle.seuil_dominance).times(100).toString();
  const [hc] = await runSql<Record<string, unknown>>(knex, 'statistiques/hors-champ.sql', { annee: o.annee });
  const csv = o.format === 'csv';
  return {
    titre: `Statistiques de sinistralité AT/MP ${o.annee} par ${LIBELLE_PAR[o.par]}`,
    annee: o.annee,
    par: o.par,
    genere_le: new Date().toISOString(),
    secret_statistique: {
      regle: `cellule couverte par le secret si elle décrit moins de ${seuil} entreprises (SIREN distincts) ou si une entreprise pèse plus de ${dominance} % de son effectif, de ses heures ou de sa masse salariale : la ligne reste avec sa clé, secret = oui et son motif, tous ses chiffres sont vidés`,
      seuil_entreprises: seuil,
      seuil_dominance: new Decimal(regle.seuil_dominance).toString(),
      grandeurs_dominance: ['effectif', 'heures', 'masse_salariale'],
      motifs: {
        seuil: `moins de ${seuil} entreprises (SIREN distincts) dans la cellule`,
        dominance: `une entreprise pèse plus de ${dominance} % de l’effectif, des heures ou de la masse salariale de la cellule`,
      },
      secret_secondaire: 'non appliqué : pas de ligne de total ; avant de publier ensemble deux ventilations (code risque et CTN) ou un total vérifier qu’aucune cellule secrète ne se déduit par différence',
    },
    definitions: DEFINITIONS,
    hors_champ: {
      etablissements_sans_section: nombre(hc?.etablissements_sans_section),
      etablissements_bureaux: nombre(hc?.etablissements_bureaux),
      mp_compte_special: nombre(hc?.mp_compte_special),
      regle: 'établissements ayant des faits DSN dans l’année sans section principale statistique ; établissements ne déclarant que des codes FSNA ou bureau ; MP du compte spécial (CTN Z) en premier règlement dans l’année',
    },
    colonnes: colonnes(o.par),
    format: {
      separateur: csv ? (o.fr ? ';' : ',') : '',
      decimale: csv && o.fr ? ',' : '.',
      encodage: csv && o.bom ? 'UTF-8 avec BOM' : 'UTF-8',
    },
    documentation: 'pipelines/statistiques/README.md',
  };
}

/** A value as written: decimal string (decimal comma on demand), oui/non for the secret flag, '' for null. */
function texte(col: string, v: unknown, fr: boolean): string | null {
  if (v === null || v === undefined) return null;
  if (col === 'secret') return v ? 'oui' : 'non';
  if (typeof v === 'boolean') return v ? 'oui' : 'non';
  const s = String(v);
  if ((COLONNES_CHIFFRES as readonly string[]).includes(col)) {
    // numeric / bigint from the database: already a decimal string or a safe integer; checked, never reparsed as float
    if (!/^-?\d+(\.\d+)?$/.test(s)) throw new Error(`valeur non décimale dans ${col}: ${s}`);
    return fr ? s.replace('.', ',') : s;
  }
  return s;
}

/** A header comment line: `# text`, without the separator nor quotes so that a spreadsheet keeps it in one cell
 * (`,` becomes ` ;` in a `,` file, `;` becomes ` –` in a `;` file). */
const commentaire = (t: string, sep: string) =>
  `# ${t.replace(sep === ',' ? /\s*,\s*/g : /\s*;\s*/g, sep === ',' ? ' ; ' : ' – ').replaceAll('"', "'")}`;

function enteteCsv(m: Metadata, sep: string): string[] {
  const l = [
    m.titre,
    `Généré le ${m.genere_le} par atmp stats sinistralite`,
    `Secret statistique : ${m.secret_statistique.regle}`,
    `Motifs : seuil = ${m.secret_statistique.motifs.seuil} ; dominance = ${m.secret_statistique.motifs.dominance}`,
    `Secret secondaire : ${m.secret_statistique.secret_secondaire}`,
    ...Object.entries(m.definitions).map(([k, v]) => `${k} : ${v}`),
    `Hors champ : ${m.hors_champ.etablissements_sans_section} établissement(s) sans section principale ; ${m.hors_champ.etablissements_bureaux} bureau(x) ou siège(s) ; ${m.hors_champ.mp_compte_special} MP du compte spécial`,
    `Nombres : point ou virgule décimale selon l’option --fr ; sans séparateur de milliers. Documentation : ${m.documentation}`,
  ];
  return l.map((t) => commentaire(t, sep));
}

async function ecrire(flux: WriteStream, s: string): Promise<void> {
  if (!flux.write(s)) await once(flux, 'drain');
}

/** Writes the table; returns where and how many rows (and how many withheld). */
export async function exporterSinistralite(db: Db, opts: OptionsSinistralite): Promise<ResultatSinistralite> {
  if (!PARS.includes(opts.par)) throw new UserError(`--par ${opts.par} : code-risque, ctn ou naf attendu`, 2);
  const format: Format = opts.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new UserError(`--format ${format} : csv ou json attendu`, 2);
  const fr = !!opts.fr && format === 'csv';
  const bom = !!opts.bom && format === 'csv';
  const page = opts.page ?? 500;
  if (!Number.isInteger(page) || page < 1) throw new Error(`page ${page}: positive integer expected`);
  const chemin = resolve(opts.out ?? join(opts.outDir, 'statistiques', `sinistralite-${opts.annee}-${opts.par}.${format}`));
  mkdirSync(dirname(chemin), { recursive: true });
  const partiel = `${chemin}.partiel`;
  const cols = colonnes(opts.par);
  const sep = fr ? ';' : ',';
  let lignes = 0;
  let secretes = 0;

  let metadata: Metadata | undefined;
  const flux = createWriteStream(partiel, { encoding: 'utf8' });
  const erreurFlux = new Promise<never>((_, reject) => flux.once('error', reject));
  erreurFlux.catch(() => {});
  try {
    await Promise.race([
      erreurFlux,
      (async () => {
        const { text, values } = compile(sqlText('statistiques/sinistralite.sql'), { annee: opts.annee, par: opts.par });
        // A cursor lives in a transaction, on one connection (the only one on PGlite); repeatable read: the header's
        // counts and the rows come from one snapshot even while an ingestion runs.
        await db.knex.transaction(async (trx) => {
          await trx.raw('set transaction isolation level repeatable read, read only');
          const m = await lireMetadata(trx, { annee: opts.annee, par: opts.par, format, fr, bom });
          metadata = m;
          if (format === 'csv') {
            await ecrire(flux, (bom ? '\ufeff' : '') + [...enteteCsv(m, sep), cols.map((c) => csvCell(c, sep)).join(sep)].join('\r\n') + '\r\n');
          } else {
            await ecrire(flux, `{\n"metadata": ${JSON.stringify(m, null, 2)},\n"lignes": [`);
          }
          await trx.raw(`declare stat_sinistralite no scroll cursor for ${text}`, values as Knex.RawBinding[]);
          for (;;) {
            const r = await trx.raw(`fetch forward ${page} from stat_sinistralite`);
            const rows = (r.rows ?? r) as Ligne[];
            for (const row of rows) {
              const cle = row.cle;
              const valeurs = cols.map((c) => texte(c, c === cols[0] ? cle : row[c], fr));
              if (row.secret) secretes++;
              if (format === 'csv') {
                await ecrire(flux, valeurs.map((v) => csvCell(v ?? '', sep)).join(sep) + '\r\n');
              } else {
                const objet = Object.fromEntries(cols.map((c, i) => [c, c === 'secret' ? !!row.secret : valeurs[i]]));
                await ecrire(flux, `${lignes ? ',' : ''}\n  ${JSON.stringify(objet)}`);
              }
              lignes++;
            }
            if (rows.length < page) break;
          }
          await trx.raw('close stat_sinistralite');
        });
        if (format === 'json') await ecrire(flux, `\n]\n}\n`);
        flux.end();
        await once(flux, 'finish');
      })(),
    ]);
    renameSync(partiel, chemin);
  } catch (e) {
    flux.destroy();
    rmSync(partiel, { force: true });
    throw e;
  }
  return { chemin, lignes, secretes, metadata: metadata! };
}
