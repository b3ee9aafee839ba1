/**
 * `atmp ingest referentiel FILE...`: the employers' référentiel — groupes, entreprises, établissements with
 * their risk sections, and the rates notified in earlier years. The kind of each file is recognised from its
 * header; files are applied in dependency order (groupes, entreprises, établissements, taux notifiés), each
 * one entirely or not at all: every problem is reported as `file:line (column): reason`.
 * The référentiel always wins over what the DSN created provisionally (provisoires.ts).
 */
import { basename } from 'node:path';
import type { Knex } from 'knex';
import type { CsvRow, CsvTable } from '../../lib/csv.ts';
import { InputRejected, UserError, type InputProblem } from '../../lib/errors.ts';
import { problemeSiren, problemeSiret } from '../../lib/siret.ts';
import { CODE_RISQUE_RE, normaliserCodeRisque } from '../../rules/bareme.ts';
import { problemeCellule } from '../../lib/limites.ts';
import { alsaceMoselle, emailValide, lireDate, lireDecimal, lireFichierCsv, lireOuiNon, pluriel, type FichierCsv } from './valeurs.ts';

export type TypeReferentiel = 'groupes' | 'entreprises' | 'etablissements' | 'taux_notifies';
export const ORDRE_TYPES: TypeReferentiel[] = ['groupes', 'entreprises', 'etablissements', 'taux_notifies'];

/** Columns of each kind: required ones first. */
export const COLONNES: Record<TypeReferentiel, { requises: string[]; facultatives: string[] }> = {
  groupes: { requises: ['groupe_id', 'nom', 'siren_tete'], facultatives: ['email_notification', 'notification_groupee'] },
  entreprises: {
    requises: ['siren', 'raison_sociale', 'siret_siege'],
    facultatives: ['groupe_id', 'adresse', 'code_postal', 'commune', 'email_notification', 'notification_dematerialisee'],
  },
  etablissements: {
    requises: ['siret', 'nom', 'code_risque', 'section'],
    facultatives: ['siren', 'adresse', 'code_postal', 'commune', 'date_debut_section', 'date_creation', 'option_taux_unique'],
  },
  taux_notifies: { requises: ['siret', 'code_risque', 'annee', 'taux'], facultatives: [] },
};

export function detecterType(header: string[]): TypeReferentiel | undefined {
  const h = new Set(header);
  if (h.has('siret') && h.has('annee') && h.has('taux')) return 'taux_notifies';
  if (h.has('siret') && h.has('section')) return 'etablissements';
  if (h.has('siren') && h.has('raison_sociale')) return 'entreprises';
  if (h.has('groupe_id') && h.has('siren_tete')) return 'groupes';
  return undefined;
}

export interface ResultatFichier {
  fichier: string;
  type: TypeReferentiel;
  lignes: number;
  importId: number;
}

export interface OptionsReferentiel {
  /** rate year whose barème must know the codes risque (default: the current calendar year) */
  annee?: number;
}

export interface ResultatReferentiel {
  charges: ResultatFichier[];
  /** files refused, nothing of them applied (InputRejected: located problems; UserError: unreadable file) */
  rejetes: UserError[];
}

/** Imports several files in dependency order; a rejected file does not stop the others. */
export async function importerReferentiel(knex: Knex, fichiers: string[], opts: OptionsReferentiel = {}): Promise<ResultatReferentiel> {
  const lus = fichiers.map((f) => {
    try {
      const lu = lireFichierCsv(f);
      return { ...lu, type: detecterType(lu.table.header) };
    } catch (e) {
      return { erreur: e as Error, fichier: f };
    }
  });
  const res: ResultatReferentiel = { charges: [], rejetes: [] };
  const rang = (t?: TypeReferentiel) => (t ? ORDRE_TYPES.indexOf(t) : -1);
  lus.sort((a, b) => rang('type' in a ? a.type : undefined) - rang('type' in b ? b.type : undefined));
  for (const lu of lus) {
    try {
      if ('erreur' in lu) throw lu.erreur;
      res.charges.push(await appliquerFichier(knex, lu, opts));
    } catch (e) {
      if (e instanceof UserError) res.rejetes.push(e);
      else throw e;
    }
  }
  return res;
}

type Probleme = (line: number, column: string | undefined, reason: string) => void;

/** Imports one file in one transaction; throws InputRejected (nothing applied) on any problem. */
export async function importerFichierReferentiel(knex: Knex, fichier: string, opts: OptionsReferentiel = {}): Promise<ResultatFichier> {
  return appliquerFichier(knex, lireFichierCsv(fichier), opts);
}

async function appliquerFichier(knex: Knex, lu: FichierCsv, opts: OptionsReferentiel): Promise<ResultatFichier> {
  const { fichier, sha256, table } = lu;
  const rejete = (n: number) => `${fichier}: rejeté (${pluriel(n, 'erreur')}), rien n'a été chargé`;
  const type = detecterType(table.header);
  if (!type) {
    throw new InputRejected(
      [{ file: fichier, line: table.headerLine || 1, reason: `en-tête non reconnu (${table.header.join(', ')}) : attendu groupe_id;nom;siren_tete…, siren;raison_sociale;siret_siege…, siret;nom;code_risque;section… ou siret;code_risque;annee;taux` }],
      rejete(1),
    );
  }
  const problems: InputProblem[] = [];
  const p: Probleme = (line, column, reason) => problems.push({ file: fichier, line, column, reason });
  const manquantes = COLONNES[type].requises.filter((c) => !table.header.includes(c));
  if (manquantes.length) p(table.headerLine, undefined, `colonnes requises absentes pour un fichier de ${type} : ${manquantes.join(', ')}`);
  const connues = new Set([...COLONNES[type].requises, ...COLONNES[type].facultatives]);
  const inconnues = table.header.filter((c) => !connues.has(c));
  if (inconnues.length) p(table.headerLine, undefined, `colonnes inconnues pour un fichier de ${type} : ${inconnues.join(', ')}`);
  if (!table.rows.length) p(table.headerLine, undefined, 'aucune ligne de données');
  for (const r of table.rows) if (r.values.__extra) p(r.line, undefined, `colonnes en trop : "${r.values.__extra.slice(0, 60)}${r.values.__extra.length > 60 ? '…' : ''}"`);
  // every text field bounded, no control character (lib/limites.ts)
  for (const r of table.rows) {
    for (const [c, v] of Object.entries(r.values)) {
      const pb = c === '__extra' ? undefined : problemeCellule(c, v);
      if (pb) p(r.line, c, pb);
    }
  }
  if (problems.length) throw new InputRejected(problems, rejete(problems.length));

  return knex.transaction(async (trx) => {
    const appliquer =
      type === 'groupes' ? validerGroupes(table, p)
      : type === 'entreprises' ? await validerEntreprises(trx, table, p)
      : type === 'etablissements' ? await validerEtablissements(trx, table, p, opts.annee ?? new Date().getUTCFullYear())
      : await validerTauxNotifies(trx, table, p);
    if (problems.length) {
      problems.sort((a, b) => a.line - b.line);
      throw new InputRejected(problems, rejete(problems.length));
    }
    const [{ id }] = await trx('referentiel_import')
      .insert({ type, fichier: basename(fichier), sha256, lignes: table.rows.length })
      .returning('id');
    const importId = Number(id);
    await appliquer(trx, importId);
    return { fichier, type, lignes: table.rows.length, importId };
  });
}

type Application = (trx: Knex.Transaction, importId: number) => Promise<void>;

const LOT = 500;

/** Inserts or updates rows by batches (one statement per LOT rows). */
export async function upsert(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[], cle: string[], maj: string[]) {
  for (let i = 0; i < rows.length; i += LOT) {
    await trx(table).insert(rows.slice(i, i + LOT)).onConflict(cle).merge(maj);
  }
}

const vide = (s: string | undefined) => (s ?? '') === '';
const ouNull = (s: string | undefined) => (vide(s) ? null : s!);

function requis(row: CsvRow, cols: string[], p: Probleme) {
  for (const c of cols) if (vide(row.values[c])) p(row.line, c, 'valeur requise');
}

function doublon(vus: Map<string, number>, cle: string, row: CsvRow, col: string, p: Probleme, quoi: string) {
  const avant = vus.get(cle);
  if (avant !== undefined) p(row.line, col, `${quoi} en double (déjà ligne ${avant})`);
  else vus.set(cle, row.line);
}

function email(row: CsvRow, col: string, p: Probleme): string | null {
  const v = row.values[col];
  if (vide(v)) return null;
  if (!emailValide(v)) p(row.line, col, `adresse e-mail "${v}" invalide`);
  return v;
}

function ouiNon(row: CsvRow, col: string, p: Probleme): boolean {
  const b = lireOuiNon(row.values[col] ?? '');
  if (b === undefined) p(row.line, col, `"${row.values[col]}" : oui ou non attendu`);
  return b ?? false;
}

function date(row: CsvRow, col: string, p: Probleme): string | null {
  const v = row.values[col];
  if (vide(v)) return null;
  const d = lireDate(v);
  if (!d) p(row.line, col, `date "${v}" invalide (AAAA-MM-JJ ou JJ/MM/AAAA)`);
  return d ?? null;
}

function codePostal(row: CsvRow, p: Probleme): string | null {
  const v = row.values.code_postal;
  if (vide(v)) return null;
  if (!/^\d{5}$/.test(v)) p(row.line, 'code_postal', `code postal "${v}" invalide (5 chiffres)`);
  return v;
}

function validerGroupes(table: CsvTable, p: Probleme): Application {
  const lignes: Record<string, unknown>[] = [];
  const vus = new Map<string, number>();
  for (const row of table.rows) {
    const v = row.values;
    requis(row, ['groupe_id', 'nom', 'siren_tete'], p);
    if (!vide(v.siren_tete)) {
      const e = problemeSiren(v.siren_tete);
      if (e) p(row.line, 'siren_tete', e);
    }
    if (!vide(v.groupe_id)) doublon(vus, v.groupe_id, row, 'groupe_id', p, `groupe ${v.groupe_id}`);
    lignes.push({
      groupe_id: v.groupe_id, nom: v.nom, siren_tete: v.siren_tete,
      email_notification: email(row, 'email_notification', p),
      notification_groupee: ouiNon(row, 'notification_groupee', p),
    });
  }
  return async (trx, importId) => {
    const rows = lignes.map((l) => ({ ...l, import_id: importId, modifie_le: trx.fn.now() }));
    await upsert(trx, 'groupe', rows, ['groupe_id'], ['nom', 'siren_tete', 'email_notification', 'notification_groupee', 'import_id', 'modifie_le']);
  };
}

async function validerEntreprises(trx: Knex.Transaction, table: CsvTable, p: Probleme): Promise<Application> {
  const groupes = new Set((await trx('groupe').select('groupe_id')).map((r: { groupe_id: string }) => r.groupe_id));
  const lignes: Record<string, unknown>[] = [];
  const vus = new Map<string, number>();
  for (const row of table.rows) {
    const v = row.values;
    requis(row, ['siren', 'raison_sociale', 'siret_siege'], p);
    const eSiren = vide(v.siren) ? 'vide' : problemeSiren(v.siren);
    if (eSiren && eSiren !== 'vide') p(row.line, 'siren', eSiren);
    if (!vide(v.siret_siege)) {
      const e = problemeSiret(v.siret_siege);
      if (e) p(row.line, 'siret_siege', e);
      else if (!eSiren && !v.siret_siege.startsWith(v.siren)) p(row.line, 'siret_siege', `SIRET du siège ${v.siret_siege} ne commence pas par le SIREN ${v.siren}`);
    }
    if (!vide(v.groupe_id) && !groupes.has(v.groupe_id)) p(row.line, 'groupe_id', `groupe "${v.groupe_id}" inconnu du référentiel (importez d'abord le fichier des groupes)`);
    if (!vide(v.siren)) doublon(vus, v.siren, row, 'siren', p, `SIREN ${v.siren}`);
    const mail = email(row, 'email_notification', p);
    const demat = ouiNon(row, 'notification_dematerialisee', p);
    // The dematerialised notification is announced by an e-mail "avis de dépôt" (décret 2020-1232).
    if (demat && !mail && vide(v.email_notification)) p(row.line, 'email_notification', 'notification dématérialisée sans adresse e-mail');
    lignes.push({
      siren: v.siren, raison_sociale: v.raison_sociale, siret_siege: v.siret_siege, groupe_id: ouNull(v.groupe_id),
      adresse: ouNull(v.adresse), code_postal: codePostal(row, p), commune: ouNull(v.commune),
      email_notification: mail, notification_dematerialisee: demat,
    });
  }
  return async (t, importId) => {
    const rows = lignes.map((l) => ({ ...l, import_id: importId, modifie_le: t.fn.now() }));
    await upsert(t, 'entreprise', rows, ['siren'], Object.keys(rows[0]).filter((k) => k !== 'siren'));
  };
}

/**
 * The latest rate year ≤ annee whose collective rates are loaded (2023 was never published in a reusable form,
 * so a campaign may have to look one year back), with its set of codes risque.
 */
export async function codesDuBareme(knex: Knex, annee: number): Promise<{ annee: number | null; codes: Set<string> }> {
  const r = await knex('bareme_taux_collectif').where('annee', '<=', annee).max({ a: 'annee' }).first();
  const a = r?.a == null ? null : Number(r.a);
  if (a === null) return { annee: null, codes: new Set() };
  const rows = await knex('bareme_taux_collectif').where({ annee: a }).distinct('code_risque');
  return { annee: a, codes: new Set(rows.map((x: { code_risque: string }) => x.code_risque)) };
}

const FSNA = new Set(['00.00A', '00.00B']);

async function validerEtablissements(trx: Knex.Transaction, table: CsvTable, p: Probleme, annee: number): Promise<Application> {
  const entreprises = new Set((await trx('entreprise').select('siren')).map((r: { siren: string }) => r.siren));
  const bareme = await codesDuBareme(trx, annee);
  const etabs = new Map<string, { row: CsvRow; l: Record<string, unknown>; sections: Record<string, unknown>[] }>();
  const vus = new Map<string, number>();
  const principales = new Map<string, number>();
  for (const row of table.rows) {
    const v = row.values;
    requis(row, ['siret', 'nom', 'code_risque', 'section'], p);
    const eSiret = vide(v.siret) ? 'vide' : problemeSiret(v.siret);
    if (eSiret && eSiret !== 'vide') p(row.line, 'siret', eSiret);
    const siren = v.siret.slice(0, 9);
    if (!eSiret) {
      if (!vide(v.siren) && v.siren !== siren) p(row.line, 'siren', `le SIRET ${v.siret} ne commence pas par le SIREN ${v.siren} de son entreprise`);
      else if (!entreprises.has(siren)) p(row.line, 'siret', `entreprise SIREN ${siren} inconnue du référentiel (importez d'abord le fichier des entreprises)`);
    }
    const code = normaliserCodeRisque(v.code_risque ?? '');
    const section = (v.section ?? '').toLowerCase();
    if (!vide(v.code_risque)) {
      if (!CODE_RISQUE_RE.test(code)) p(row.line, 'code_risque', `code risque "${v.code_risque}" hors format NN.NXX`);
      else if (bareme.annee === null) p(row.line, 'code_risque', `aucun barème de taux collectifs chargé jusqu'à ${annee} : impossible de vérifier le code risque ${code}`);
      else if (!bareme.codes.has(code)) p(row.line, 'code_risque', `code risque ${code} absent du barème ${bareme.annee}`);
    }
    if (!vide(v.section)) {
      if (!['principale', 'fsna', 'bureau'].includes(section)) p(row.line, 'section', `section "${v.section}" inconnue (principale, fsna ou bureau)`);
      // FSNA sections carry 00.00B, or 00.00A in the BTP (arrêté du 17 octobre 1995, art. 1-III); a former bureau
      // section is written either with the rate code 00.00B / 00.00A or with its activity's code (DSN `602MDB`)
      else if (CODE_RISQUE_RE.test(code) && section === 'fsna' && !FSNA.has(code)) {
        p(row.line, 'code_risque', `une section fsna porte le code 00.00B ou 00.00A, pas ${code}`);
      } else if (CODE_RISQUE_RE.test(code) && section === 'principale' && FSNA.has(code)) {
        p(row.line, 'code_risque', `le code ${code} est réservé aux sections fsna et bureau`);
      }
    }
    if (!eSiret && !vide(v.code_risque)) doublon(vus, `${v.siret}/${code}/${section}`, row, 'code_risque', p, `section ${section} ${code} de ${v.siret}`);
    if (!eSiret && section === 'principale') doublon(principales, v.siret, row, 'section', p, `section principale de ${v.siret}`);
    const cp = codePostal(row, p);
    const l = {
      siret: v.siret, siren, nom: v.nom, adresse: ouNull(v.adresse), code_postal: cp, commune: ouNull(v.commune),
      alsace_moselle: cp !== null && alsaceMoselle(cp),
      date_creation: date(row, 'date_creation', p), option_taux_unique: date(row, 'option_taux_unique', p),
    };
    const s = { siret: v.siret, siren, code_risque: code, section, date_debut: date(row, 'date_debut_section', p), origine: 'referentiel' };
    const deja = etabs.get(v.siret);
    if (!deja) etabs.set(v.siret, { row, l, sections: [s] });
    else {
      deja.sections.push(s);
      // rows of one establishment (one per section) must agree on the establishment itself
      for (const [k, val] of Object.entries(l)) {
        if (deja.l[k] !== val && k !== 'alsace_moselle') p(row.line, k, `${k} différent de la ligne ${deja.row.line} pour le même SIRET ${v.siret}`);
      }
    }
  }
  for (const [siret, e] of etabs) {
    if (!principales.has(siret) && !problemeSiret(siret)) p(e.row.line, 'section', `le SIRET ${siret} n'a pas de section principale (code risque de son activité, arrêté du 17 octobre 1995 art. 1-I)`);
  }
  return async (t, importId) => {
    const liste = [...etabs.values()];
    const rows = liste.map(({ l }) => ({ ...l, origine: 'referentiel', a_revoir: false, motif_revue: null, import_id: importId, modifie_le: t.fn.now() }));
    // apet and code_risque_dsn (from the DSN) are kept; everything else is the référentiel's
    await upsert(t, 'etablissement', rows, ['siret'], Object.keys(rows[0]).filter((k) => k !== 'siret'));
    // the référentiel's sections replace whatever the DSN suggested
    for (let i = 0; i < liste.length; i += LOT) {
      const lot = liste.slice(i, i + LOT);
      await t('etablissement_section').whereIn('siret', lot.map((e) => e.l.siret as string)).del();
      await t('etablissement_section').insert(lot.flatMap((e) => e.sections));
    }
  };
}

async function validerTauxNotifies(trx: Knex.Transaction, table: CsvTable, p: Probleme): Promise<Application> {
  const etabs = new Set((await trx('etablissement').select('siret')).map((r: { siret: string }) => r.siret));
  const codes = new Set((await trx('code_risque').select('code_risque')).map((r: { code_risque: string }) => r.code_risque));
  const lignes: Record<string, unknown>[] = [];
  const vus = new Map<string, number>();
  for (const row of table.rows) {
    const v = row.values;
    requis(row, ['siret', 'code_risque', 'annee', 'taux'], p);
    const eSiret = vide(v.siret) ? 'vide' : problemeSiret(v.siret);
    if (eSiret && eSiret !== 'vide') p(row.line, 'siret', eSiret);
    else if (!eSiret && !etabs.has(v.siret)) p(row.line, 'siret', `établissement ${v.siret} inconnu du référentiel (importez d'abord le fichier des établissements)`);
    const code = normaliserCodeRisque(v.code_risque ?? '');
    if (!vide(v.code_risque)) {
      if (!CODE_RISQUE_RE.test(code)) p(row.line, 'code_risque', `code risque "${v.code_risque}" hors format NN.NXX`);
      else if (!codes.has(code)) p(row.line, 'code_risque', `code risque ${code} inconnu des barèmes`);
    }
    const annee = Number(v.annee);
    if (!vide(v.annee) && (!/^\d{4}$/.test(v.annee) || annee < 1990 || annee > 2100)) p(row.line, 'annee', `année "${v.annee}" invalide (AAAA)`);
    const taux = vide(v.taux) ? undefined : lireDecimal(v.taux);
    if (!vide(v.taux) && (taux === undefined || taux.gte(100))) p(row.line, 'taux', `taux "${v.taux}" illisible (pourcentage entre 0 et 100 attendu, ex. 2,09)`);
    if (!eSiret) doublon(vus, `${v.siret}/${code}/${v.annee}`, row, 'annee', p, `taux ${v.annee} de ${v.siret} ${code}`);
    lignes.push({ siret: v.siret, siren: v.siret.slice(0, 9), code_risque: code, annee, taux: taux?.toString() });
  }
  return async (t, importId) => {
    await upsert(t, 'taux_notifie', lignes.map((l) => ({ ...l, import_id: importId })), ['siret', 'code_risque', 'annee'], ['taux', 'import_id']);
  };
}
