/**
 * The national AT table of the Assurance Maladie ("Risque AT par CTN et code NAF", one row per CTN × NAF5), read
 * from the published xlsx (read-excel-file) or from the project's own CSV (reference/statistiques/, written by
 * scripts/build-statistiques.ts), validated whole, and loaded for one year in one transaction: all or nothing.
 * Every number stays a decimal string (the xlsx reader hands over the cell's text, never a float).
 * Definitions and the checks made: docs/statistiques.md.
 */
import { problemeCellule } from '../../lib/limites.ts';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import readXlsxFile from 'read-excel-file/node';
import { Decimal } from 'decimal.js';
import type { Knex } from 'knex';
import { UserError } from '../../lib/errors.ts';
import { withConnexion } from '../../lib/copy.ts';
import type { Db } from '../../lib/db.ts';

type Type = 'ctn' | 'naf5' | 'naf2' | 'naf38' | 'texte' | 'entier' | 'decimal';

/** The national table's columns, in its order, with their published names (also the headers of the export's
 * `--colonnes nationales` layout) and the project's field names (headers of the CSV format). */
export const COLONNES_NATIONALES = [
  { champ: 'ctn', publie: 'CTN', type: 'ctn' },
  { champ: 'libelle_ctn', publie: 'Libellé du CTN', type: 'texte' },
  { champ: 'naf5', publie: 'Code NAF', type: 'naf5' },
  { champ: 'libelle_naf5', publie: 'Libellé du code NAF', type: 'texte' },
  { champ: 'naf2', publie: 'Code NAF2', type: 'naf2' },
  { champ: 'libelle_naf2', publie: 'Libellé du code NAF2', type: 'texte' },
  { champ: 'naf38', publie: 'Code NAF38', type: 'naf38' },
  { champ: 'libelle_naf38', publie: 'Libellé du code NAF38', type: 'texte' },
  { champ: 'salaries', publie: 'Nombre de salariés', type: 'decimal' },
  { champ: 'heures', publie: "Nombre d'heures travaillées", type: 'decimal' },
  { champ: 'nb_siret', publie: 'Nombre de SIRET', type: 'entier' },
  { champ: 'at_premier_reglement', publie: 'AT en 1er règlement', type: 'entier' },
  { champ: 'at_4j_ou_plus', publie: "dont AT avec 4 jours d'arrêt ou plus sur l'année", type: 'entier' },
  { champ: 'nouvelles_ip', publie: 'Nouvelles IP', type: 'entier' },
  { champ: 'ip_moins_10', publie: 'dont IP avec taux < 10%', type: 'entier' },
  { champ: 'ip_10_ou_plus', publie: 'dont IP avec taux ≥ 10%', type: 'entier' },
  { champ: 'deces', publie: 'Décès', type: 'entier' },
  { champ: 'journees_it', publie: "Journées d'IT", type: 'entier' },
  { champ: 'somme_taux_ip_moins_10', publie: "Somme des taux d'IP <10%", type: 'decimal' },
  { champ: 'somme_taux_ip', publie: "Somme des taux d'IP", type: 'decimal' },
] as const satisfies readonly { champ: string; publie: string; type: Type }[];

export type ChampNational = (typeof COLONNES_NATIONALES)[number]['champ'];
export const MESURES_NATIONALES = COLONNES_NATIONALES.filter((c) => c.type === 'entier' || c.type === 'decimal').map((c) => c.champ);

/** The last column of the published file ("fait l'objet d'une fiche de sinistralité <année>"). */
const FICHE = /^fait l.objet d.une fiche de sinistralit/;
/** Header of a cause column in the project's CSV format. */
const PREFIXE_CAUSE = 'cause:';

export interface LigneNationale {
  /** physical row (xlsx row number, or CSV line) */
  ligne: number;
  valeurs: Record<ChampNational, string>;
  causes: { cause: string; nombre: string }[];
  fiche_sinistralite: boolean;
}

export interface TableNationale {
  fichier: string;
  sha256: string;
  /** the sheet read (xlsx), or undefined for the CSV format */
  feuille?: string;
  /** the year the file states (sheet name, title, or the CSV's "# Année :" line), when it states one */
  anneeDuFichier?: number;
  source: string;
  causes: string[];
  lignes: LigneNationale[];
}

export interface ProblemeReference {
  /** "feuille « … »" for an xlsx file */
  feuille?: string;
  ligne: number;
  /** column letter (xlsx) and name */
  colonne?: string;
  raison: string;
}

export class ReferenceRefusee extends UserError {
  constructor(readonly fichier: string, readonly problemes: ProblemeReference[]) {
    const montres = problemes.slice(0, 50).map((p) =>
      `${fichier}${p.feuille ? `, feuille « ${p.feuille} »` : ''}, ligne ${p.ligne}${p.colonne ? `, colonne ${p.colonne}` : ''} : ${p.raison}`,
    );
    if (problemes.length > 50) montres.push(`… et ${problemes.length - 50} autre(s) problème(s)`);
    super(`${fichier} : table nationale refusée, rien n'a été chargé\n${montres.join('\n')}`, 1);
    this.name = 'ReferenceRefusee';
  }
}

/** Header names compared without case, accents' forms, apostrophe styles, spaces or a trailing blank. */
const normaliser = (s: string) =>
  s.normalize('NFC').toLowerCase().replace(/[’`]/g, "'").replace(/\s+/g, ' ').replace(/\s*([<>≥≤%])\s*/g, '$1').trim();

const lettreColonne = (i: number): string => {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
};

const NOMBRE = /^\d+(\.\d+)?(e[+-]?\d+)?$/i;

/** A cell's text as a plain decimal string ('' → '0': the file's empty cells mean 0), or an error reason. */
function nombre(v: string, type: 'entier' | 'decimal'): { valeur?: string; raison?: string } {
  const s = v.trim().replace(/\u00a0|\u202f/g, '').replace(/\s/g, '');
  if (s === '') return { valeur: '0' };
  if (/^\d+$/.test(s)) return { valeur: s.replace(/^0+(?=\d)/, '') }; // the common case, without a Decimal
  const t = s.replace(',', '.');
  if (!NOMBRE.test(t)) return { raison: `« ${v} » n'est pas un nombre positif` };
  const d = new Decimal(t);
  if (type === 'entier' && !d.isInteger()) return { raison: `« ${v} » n'est pas un entier` };
  return { valeur: d.toFixed() };
}

const FORMATS: Partial<Record<Type, [RegExp, string]>> = {
  ctn: [/^([A-I])\1?$/, 'CTN attendu (A à I, éventuellement doublé : AA)'],
  naf5: [/^(\d{4}[A-Z]|x{5})$/, 'code NAF à 5 caractères attendu (ex. 2562B ; xxxxx : valeur manquante)'],
  naf2: [/^(\d{2}|x{2})$/, 'code NAF2 à 2 chiffres attendu'],
  naf38: [/^([A-U][A-Z]|x{2})$/, 'code NAF38 à 2 lettres attendu (ex. CZ)'],
};

interface Brut {
  feuille?: string;
  anneeDuFichier?: number;
  source: string;
  /** header row: physical number and cells */
  ligneEntete: number;
  entete: string[];
  /** data rows with their physical number */
  lignes: { ligne: number; cellules: string[] }[];
  /** CSV format: headers are field names */
  formatProjet: boolean;
}

const anneeDans = (s: string | undefined) => {
  const m = s ? /\b(20\d{2})\b/.exec(s) : null;
  return m ? Number(m[1]) : undefined;
};

async function lireXlsx(octets: Buffer): Promise<Brut> {
  let feuilles: { sheet: string; data: unknown[][] }[];
  try {
    // parseNumber: the cell's text as stored, never a float
    feuilles = (await readXlsxFile(octets, { parseNumber: (s: string) => s, trim: false })) as unknown as { sheet: string; data: unknown[][] }[];
  } catch (e) {
    throw new ReferenceRefusee('', [{ ligne: 1, raison: `classeur xlsx illisible (${(e as Error).message})` }]);
  }
  const texte = (v: unknown) => (v === null || v === undefined ? '' : v instanceof Date ? v.toISOString().slice(0, 10) : String(v));
  for (const f of feuilles) {
    const idx = f.data.findIndex((r, i) => i < 30 && normaliser(texte(r[0])) === 'ctn' && r.some((c) => normaliser(texte(c)) === 'code naf'));
    if (idx < 0) continue;
    const titre = f.data.slice(0, idx).map((r) => r.map(texte).join(' ')).join(' ');
    return {
      feuille: f.sheet,
      anneeDuFichier: anneeDans(f.sheet) ?? anneeDans(titre),
      source: titre.replace(/\s+/g, ' ').trim(),
      ligneEntete: idx + 1,
      entete: f.data[idx].map(texte),
      lignes: f.data.slice(idx + 1).map((r, i) => ({ ligne: idx + 2 + i, cellules: r.map(texte) })),
      formatProjet: false,
    };
  }
  throw new ReferenceRefusee('', [
    { ligne: 1, raison: `aucune feuille ne porte l'en-tête de la table nationale (première colonne « CTN », une colonne « Code NAF ») ; feuilles : ${feuilles.map((f) => `« ${f.sheet} »`).join(', ')}` },
  ]);
}

function lireCsvProjet(texte: string): Brut {
  if (texte.charCodeAt(0) === 0xfeff) texte = texte.slice(1);
  const commentaires = texte.split(/\r?\n/).filter((l) => l.startsWith('#'));
  const info = (cle: string) => commentaires.map((l) => new RegExp(`^#\\s*${cle}\\s*:\\s*(.*)$`).exec(l)?.[1]).find(Boolean);
  let enregistrements: { record: string[]; info: { lines: number } }[];
  try {
    enregistrements = parse(texte, { delimiter: ';', comment: '#', comment_no_infix: true, skip_empty_lines: true, relax_column_count: true, info: true }) as never;
  } catch (e) {
    const m = /line (\d+)/i.exec((e as Error).message);
    throw new ReferenceRefusee('', [{ ligne: m ? Number(m[1]) : 1, raison: `CSV mal formé : ${(e as Error).message}` }]);
  }
  if (!enregistrements.length) throw new ReferenceRefusee('', [{ ligne: 1, raison: 'fichier vide' }]);
  const [tete, ...corps] = enregistrements;
  const annee = info('Année');
  return {
    anneeDuFichier: annee ? Number(annee) : undefined,
    source: info('Source') ?? '',
    ligneEntete: tete.info.lines,
    entete: tete.record,
    lignes: corps.map((r) => ({ ligne: r.info.lines, cellules: r.record })),
    formatProjet: true,
  };
}

/** Checks every row and every column; returns the table, or throws ReferenceRefusee naming sheet, row and column. */
function valider(brut: Brut, fichier: string, sha256: string): TableNationale {
  const problemes: ProblemeReference[] = [];
  const feuille = brut.feuille;
  const pb = (ligne: number, raison: string, col?: number) =>
    problemes.push({ feuille, ligne, raison, colonne: col === undefined ? undefined : `${lettreColonne(col)} (${brut.entete[col]?.trim() || 'sans nom'})` });

  // columns: each of the table's columns once; after them the causes (numbers) and the fiche flag
  const position = new Map<ChampNational, number>();
  const causes: { col: number; cause: string }[] = [];
  let fiche: number | undefined;
  brut.entete.forEach((h, col) => {
    const n = normaliser(h);
    if (n === '') {
      if (brut.lignes.some((l) => (l.cellules[col] ?? '').trim() !== '')) pb(brut.ligneEntete, 'colonne sans nom mais remplie', col);
      return;
    }
    const c = COLONNES_NATIONALES.find((x) => (brut.formatProjet ? x.champ === h.trim() : normaliser(x.publie) === n));
    if (c) {
      if (position.has(c.champ)) pb(brut.ligneEntete, `colonne « ${c.publie} » en double`, col);
      position.set(c.champ, col);
    } else if (brut.formatProjet ? h.trim() === 'fiche_sinistralite' : FICHE.test(n)) fiche = col;
    else if (brut.formatProjet && !h.startsWith(PREFIXE_CAUSE)) pb(brut.ligneEntete, `colonne « ${h} » inconnue`, col);
    else causes.push({ col, cause: brut.formatProjet ? h.slice(PREFIXE_CAUSE.length) : h.trim() });
  });
  for (const c of COLONNES_NATIONALES) {
    if (!position.has(c.champ)) pb(brut.ligneEntete, `colonne « ${brut.formatProjet ? c.champ : c.publie} » absente`);
  }
  if (problemes.length) throw new ReferenceRefusee(fichier, problemes);

  const lignes: LigneNationale[] = [];
  const vues = new Map<string, number>();
  const nomenclature = new Map<string, { texte: string; ligne: number }>();
  const coherent = (cle: string, texte: string, ligne: number, col: number, quoi: string) => {
    const deja = nomenclature.get(cle);
    if (!deja) nomenclature.set(cle, { texte, ligne });
    else if (deja.texte !== texte) pb(ligne, `${quoi} différent de celui de la ligne ${deja.ligne}`, col);
  };
  for (const { ligne, cellules } of brut.lignes) {
    if (cellules.every((c) => (c ?? '').trim() === '')) continue; // blank row
    const valeurs = {} as Record<ChampNational, string>;
    let complete = true;
    for (const c of COLONNES_NATIONALES) {
      const col = position.get(c.champ)!;
      const brute = cellules[col] ?? '';
      if (c.type === 'entier' || c.type === 'decimal') {
        const r = nombre(brute, c.type);
        if (r.raison) { pb(ligne, r.raison, col); complete = false; } else valeurs[c.champ] = r.valeur!;
      } else {
        const t = brute.trim();
        const format = FORMATS[c.type];
        const horsLimite = problemeCellule(c.champ, t);
        if (horsLimite) { pb(ligne, horsLimite, col); complete = false; } else if (t === '') { pb(ligne, 'valeur manquante', col); complete = false; } else if (format && !format[0].test(t)) { pb(ligne, `« ${t} » : ${format[1]}`, col); complete = false; }
        valeurs[c.champ] = c.type === 'ctn' ? t.slice(0, 1) : t;
      }
    }
    const lesCauses = causes.map(({ col, cause }) => {
      const r = nombre(cellules[col] ?? '', 'entier');
      if (r.raison) { pb(ligne, r.raison, col); complete = false; }
      return { cause, nombre: r.valeur ?? '0' };
    });
    const f = fiche === undefined ? '' : (cellules[fiche] ?? '').trim().toLowerCase();
    if (f !== '' && f !== 'ok' && f !== 'oui') pb(ligne, `« ${cellules[fiche!]} » : « ok » ou vide attendu`, fiche);
    if (!complete) continue;

    // totals consistent with their parts
    const v = (k: ChampNational) => new Decimal(valeurs[k]);
    const col = (k: ChampNational) => position.get(k)!;
    if (v('at_4j_ou_plus').gt(v('at_premier_reglement'))) pb(ligne, `AT avec 4 jours d'arrêt ou plus (${valeurs.at_4j_ou_plus}) supérieurs aux AT en 1er règlement (${valeurs.at_premier_reglement})`, col('at_4j_ou_plus'));
    if (!v('ip_moins_10').plus(v('ip_10_ou_plus')).eq(v('nouvelles_ip'))) pb(ligne, `IP < 10 % (${valeurs.ip_moins_10}) + IP ≥ 10 % (${valeurs.ip_10_ou_plus}) ≠ nouvelles IP (${valeurs.nouvelles_ip})`, col('nouvelles_ip'));
    if (v('somme_taux_ip_moins_10').gt(v('somme_taux_ip'))) pb(ligne, `somme des taux d'IP < 10 % (${valeurs.somme_taux_ip_moins_10}) supérieure à la somme des taux d'IP (${valeurs.somme_taux_ip})`, col('somme_taux_ip_moins_10'));
    const st10 = v('somme_taux_ip_moins_10');
    const n10 = v('ip_moins_10');
    if (n10.isZero() ? !st10.isZero() : st10.gte(n10.times(10))) pb(ligne, `somme des taux d'IP < 10 % (${valeurs.somme_taux_ip_moins_10}) incompatible avec ${valeurs.ip_moins_10} IP de taux < 10 %`, col('somme_taux_ip_moins_10'));
    // the sum of the rates counts each death as an IP of 99 % (every row of the 2024 table: docs/statistiques.md)
    const stPlus = v('somme_taux_ip').minus(st10).minus(v('deces').times(99));
    const nPlus = v('ip_10_ou_plus');
    if (nPlus.isZero() ? !stPlus.isZero() : stPlus.lt(nPlus.times(10))) pb(ligne, `somme des taux d'IP ≥ 10 % hors décès comptés 99 % (${stPlus.toFixed()}) incompatible avec ${valeurs.ip_10_ou_plus} IP de taux ≥ 10 %`, col('somme_taux_ip'));
    const totalCauses = lesCauses.reduce((s, c) => s.plus(c.nombre), new Decimal(0));
    if (totalCauses.gt(v('at_premier_reglement'))) pb(ligne, `AT répartis par cause (${totalCauses.toFixed()}) plus nombreux que les AT en 1er règlement (${valeurs.at_premier_reglement})`, col('at_premier_reglement'));

    // one row per CTN × NAF5; one label per code; NAF5 in one NAF2 and one NAF38
    const cle = `${valeurs.ctn}/${valeurs.naf5}`;
    if (vues.has(cle)) pb(ligne, `CTN ${valeurs.ctn} × NAF ${valeurs.naf5} déjà à la ligne ${vues.get(cle)}`, col('naf5'));
    vues.set(cle, ligne);
    coherent(`ctn:${valeurs.ctn}`, valeurs.libelle_ctn, ligne, col('libelle_ctn'), 'libellé du CTN');
    coherent(`naf5:${valeurs.naf5}`, `${valeurs.libelle_naf5}|${valeurs.naf2}|${valeurs.naf38}`, ligne, col('naf5'), 'libellé ou rattachement NAF2 / NAF38 du code NAF');
    coherent(`naf2:${valeurs.naf2}`, `${valeurs.libelle_naf2}|${valeurs.naf38}`, ligne, col('naf2'), 'libellé ou rattachement NAF38 du code NAF2');
    coherent(`naf38:${valeurs.naf38}`, valeurs.libelle_naf38, ligne, col('naf38'), 'libellé du code NAF38');
    if (!/^x+$/.test(valeurs.naf5) && valeurs.naf5.slice(0, 2) !== valeurs.naf2) pb(ligne, `le code NAF ${valeurs.naf5} n'appartient pas au NAF2 ${valeurs.naf2}`, col('naf2'));
    lignes.push({ ligne, valeurs, causes: lesCauses, fiche_sinistralite: f !== '' });
  }
  if (!lignes.length && !problemes.length) pb(brut.ligneEntete, 'aucune ligne de données');
  if (problemes.length) throw new ReferenceRefusee(fichier, problemes);
  return { fichier, sha256, feuille, anneeDuFichier: brut.anneeDuFichier, source: brut.source, causes: causes.map((c) => c.cause), lignes };
}

/** Reads and validates a national table: the published xlsx, or the project's CSV format; `-` reads stdin. */
export async function lireTableNationale(fichier: string, octets?: Buffer): Promise<TableNationale> {
  let b: Buffer;
  try {
    b = octets ?? readFileSync(fichier === '-' ? 0 : fichier);
  } catch (e) {
    throw new UserError(`${fichier} : illisible (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const sha256 = createHash('sha256').update(b).digest('hex');
  let brut: Brut;
  try {
    if (b.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) brut = await lireXlsx(b);
    else {
      const texte = b.toString('utf8');
      if (texte.includes('\ufffd')) throw new ReferenceRefusee('', [{ ligne: 1, raison: 'ni un classeur xlsx ni un CSV UTF-8' }]);
      brut = lireCsvProjet(texte);
    }
  } catch (e) {
    if (e instanceof ReferenceRefusee && e.fichier === '') throw new ReferenceRefusee(fichier, e.problemes);
    throw e;
  }
  return valider(brut, fichier, sha256);
}

export interface ResultatImport {
  annee: number;
  lignes: number;
  remplace: boolean;
}

/** Loads a validated table for `annee` (replacing that year's table) in one transaction, rows by COPY. */
export async function importerTableNationale(db: Db, table: TableNationale, annee: number): Promise<ResultatImport> {
  if (table.anneeDuFichier !== undefined && table.anneeDuFichier !== annee) {
    throw new UserError(`${table.fichier} : le fichier porte l'année ${table.anneeDuFichier}, --annee ${annee} demandé ; rien n'a été chargé`, 1);
  }
  const champs = COLONNES_NATIONALES.map((c) => c.champ);
  return withConnexion(db, async (c) => {
    await c.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`atmp-stat-reference-${annee}`]);
    const remplace = (await c.query('select 1 from stat_reference_import where annee = $1', [annee])).length > 0;
    await c.query('delete from stat_reference_import where annee = $1', [annee]);
    await c.query('insert into stat_reference_import (annee, fichier, sha256, feuille, source, lignes) values ($1, $2, $3, $4, $5, $6)', [
      annee, table.fichier, table.sha256, table.feuille ?? null, table.source || table.fichier, table.lignes.length,
    ]);
    await c.copy(
      'stat_reference_nationale',
      ['annee', ...champs, 'causes', 'fiche_sinistralite'],
      table.lignes.map((l) => [String(annee), ...champs.map((k) => l.valeurs[k]), JSON.stringify(l.causes), l.fiche_sinistralite ? 't' : 'f']),
    );
    return { annee, lignes: table.lignes.length, remplace };
  });
}

/** Years of the national tables loaded. */
export async function anneesChargees(knex: Knex | Knex.Transaction): Promise<number[]> {
  return (await knex('stat_reference_import').select('annee').orderBy('annee')).map((r: { annee: number }) => Number(r.annee));
}

/** The loaded year closest to `annee` (the earlier one on a tie), or undefined when none is loaded. */
export function anneeLaPlusProche(annees: readonly number[], annee: number): number | undefined {
  let meilleure: number | undefined;
  for (const a of annees) {
    if (meilleure === undefined || Math.abs(a - annee) < Math.abs(meilleure - annee) || (Math.abs(a - annee) === Math.abs(meilleure - annee) && a < meilleure)) meilleure = a;
  }
  return meilleure;
}

export interface TotauxNationaux {
  annee: number;
  fichier: string;
  sha256: string;
  feuille: string | null;
  source: string;
  importe_le: string;
  lignes: number;
  totaux: Record<string, string>;
  indicateurs: Record<string, string | null>;
  par_ctn: (Record<string, string | null> & { ctn: string; libelle_ctn: string })[];
  causes: { cause: string; nombre: string }[];
}

const INDICATEURS_SQL = `
  case when sum(salaries) > 0 then round(sum(at_premier_reglement) * 1000 / sum(salaries), 2) end as indice_frequence,
  case when sum(heures) > 0 then round(sum(at_premier_reglement) * 1000000 / sum(heures), 2) end as taux_frequence,
  case when sum(heures) > 0 then round(sum(journees_it) * 1000 / sum(heures), 2) end as taux_gravite,
  case when sum(heures) > 0 then round(sum(somme_taux_ip) * 1000000 / sum(heures), 2) end as indice_gravite`;

/** The national totals of a loaded year (the sums of the published table), its indicators, per CTN and by cause. */
export async function totauxNationaux(knex: Knex, annee: number): Promise<TotauxNationaux> {
  const imp = await knex('stat_reference_import').where({ annee }).first();
  if (!imp) {
    const annees = await anneesChargees(knex);
    throw new UserError(`aucune table nationale ${annee} chargée (${annees.length ? `années chargées : ${annees.join(', ')}` : 'aucune'}) : atmp stats reference import FICHIER --annee ${annee}`, 1);
  }
  const sommes = MESURES_NATIONALES.map((m) => `sum(${m})::text as ${m}`).join(', ');
  const [t] = (await knex.raw(`select ${sommes}, ${INDICATEURS_SQL} from stat_reference_nationale where annee = ?`, [annee])).rows;
  const parCtn = (await knex.raw(
    `select ctn, min(libelle_ctn) as libelle_ctn, ${sommes}, ${INDICATEURS_SQL} from stat_reference_nationale where annee = ? group by ctn order by ctn`,
    [annee],
  )).rows;
  const causes = (await knex.raw(
    `select c.value ->> 'cause' as cause, sum((c.value ->> 'nombre')::bigint)::text as nombre, min(c.ordinality) as rang
     from stat_reference_nationale r cross join lateral jsonb_array_elements(r.causes) with ordinality as c (value, ordinality)
     where r.annee = ? group by c.value ->> 'cause' order by rang`,
    [annee],
  )).rows;
  const texte = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const { indice_frequence, taux_frequence, taux_gravite, indice_gravite, ...totaux } = t;
  return {
    annee, fichier: imp.fichier, sha256: imp.sha256, feuille: imp.feuille, source: imp.source, importe_le: new Date(imp.importe_le).toISOString(),
    lignes: Number(imp.lignes),
    totaux: Object.fromEntries(Object.entries(totaux).map(([k, v]) => [k, String(v)])),
    indicateurs: { indice_frequence: texte(indice_frequence), taux_frequence: texte(taux_frequence), taux_gravite: texte(taux_gravite), indice_gravite: texte(indice_gravite) },
    par_ctn: parCtn.map((r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, texte(v)]))),
    causes: causes.map((c: { cause: string; nombre: string }) => ({ cause: c.cause, nombre: String(c.nombre) })),
  };
}
