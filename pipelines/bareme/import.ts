/**
 * `atmp bareme import --annee N FILE`: loads an official annex for one rate year — collective rates
 * (annex 1, or annex 3 for Alsace-Moselle), coûts moyens (annex 2) or the majorations — after validating every
 * line. Any problem: every problem is reported as file:line and nothing is loaded. A valid file replaces that
 * year's table in one transaction.
 */
import { basename } from 'node:path';
import type { Db } from '../../lib/db.ts';
import { lireFichierCsv, type CsvTable } from '../../lib/csv.ts';
import { LONGUEUR_MAX_COLONNE, problemeCellule } from '../../lib/limites.ts';
import { lireDate, lireNombre } from '../../lib/cellules.ts';
import { InputRejected, UserError, type InputProblem } from '../../lib/errors.ts';
import {
  CODE_RISQUE_RE, CTNS, categoriesAttendues, normaliserCodeRisque, type CategorieCout, type TableCouts,
} from '../../rules/bareme.ts';

export type ImportType = 'taux_collectifs' | 'couts_moyens' | 'majorations';

export interface ImportResult {
  importId: number;
  type: ImportType;
  annee: number;
  lignes: number;
  sha256: string;
}

const CATEGORY_ALIASES: Record<string, CategorieCout> = {
  GROS_OEUVRE: 'BTP_GROS_OEUVRE', 'GROS ŒUVRE': 'BTP_GROS_OEUVRE', 'GROS OEUVRE': 'BTP_GROS_OEUVRE',
  SECOND_OEUVRE: 'BTP_SECOND_OEUVRE', 'SECOND ŒUVRE': 'BTP_SECOND_OEUVRE', 'SECOND OEUVRE': 'BTP_SECOND_OEUVRE',
  FONCTIONS_SUPPORT: 'BTP_FONCTIONS_SUPPORT', 'FONCTIONS SUPPORT': 'BTP_FONCTIONS_SUPPORT', BUREAU: 'BTP_FONCTIONS_SUPPORT',
};
const TABLES: TableCouts[] = [...CTNS, 'B-AM'];

export function detectType(table: CsvTable): ImportType | undefined {
  const h = new Set(table.header);
  if (h.has('code_risque') && h.has('taux_net')) return 'taux_collectifs';
  if (h.has('ctn') && h.has('categorie') && h.has('montant')) return 'couts_moyens';
  if (['m1', 'm2', 'm3', 'm4'].every((c) => h.has(c))) return 'majorations';
  return undefined;
}


interface Parsed {
  rows: Record<string, unknown>[];
  problems: InputProblem[];
}

function parseTauxCollectifs(file: string, t: CsvTable, knownCodes: Set<string>): Parsed {
  const problems: InputProblem[] = [];
  const rows: Record<string, unknown>[] = [];
  const seen = new Map<string, number>();
  const newCodes: Record<string, unknown>[] = [];
  for (const { line, values: v } of t.rows) {
    const p = (column: string, reason: string) => problems.push({ file, line, column, reason });
    const code = normaliserCodeRisque(v.code_risque ?? '');
    const zone = (v.zone || 'general').toLowerCase().replace('-', '_');
    if (!CODE_RISQUE_RE.test(code)) p('code_risque', `code risque "${v.code_risque}" hors format NN.NXX`);
    const taux = lireNombre(v.taux_net ?? '');
    if (taux === undefined) p('taux_net', `taux "${v.taux_net}" illisible (nombre positif attendu)`);
    if (zone !== 'general' && zone !== 'alsace_moselle') p('zone', `zone "${v.zone}" inconnue (general ou alsace_moselle)`);
    const tcRaw = (v.collectif_quel_que_soit_effectif ?? '').toLowerCase();
    if (!['', 'oui', 'non', 'tc'].includes(tcRaw)) p('collectif_quel_que_soit_effectif', `"${tcRaw}" : oui, non ou vide attendu`);
    const key = `${zone}/${code}`;
    if (seen.has(key)) p('code_risque', `code risque ${code} en double (déjà ligne ${seen.get(key)})`);
    seen.set(key, line);
    if (CODE_RISQUE_RE.test(code) && !knownCodes.has(code)) {
      const ctn = (v.ctn ?? '').toUpperCase();
      if (!(CTNS as readonly string[]).includes(ctn)) p('ctn', `code risque ${code} inconnu : sa colonne ctn (A à I) est requise pour l'ajouter`);
      else newCodes.push({ code_risque: code, ctn, particularite: '', libelle: v.libelle || code, premiere_annee: null, derniere_annee: null, origine: 'import' });
    }
    rows.push({
      code_risque: code, zone, taux_net: taux,
      collectif_quel_que_soit_effectif: tcRaw === '' ? null : tcRaw !== 'non',
    });
  }
  return { rows: [...newCodes.map((c) => ({ __code: c })), ...rows], problems };
}

function parseCoutsMoyens(file: string, t: CsvTable): Parsed {
  const problems: InputProblem[] = [];
  const rows: Record<string, unknown>[] = [];
  const seen = new Map<string, number>();
  for (const { line, values: v } of t.rows) {
    const p = (column: string, reason: string) => problems.push({ file, line, column, reason });
    const ctn = (v.ctn ?? '').toUpperCase() as TableCouts;
    const catRaw = (v.categorie ?? '').toUpperCase();
    const categorie = (CATEGORY_ALIASES[catRaw] ?? catRaw) as CategorieCout;
    const montant = lireNombre(v.montant ?? '');
    if (!TABLES.includes(ctn)) { p('ctn', `CTN "${v.ctn}" inconnu (A à I, ou B-AM)`); continue; }
    if (!categoriesAttendues(ctn).includes(categorie)) p('categorie', `catégorie "${v.categorie}" sans objet pour le CTN ${ctn} (attendu : ${categoriesAttendues(ctn).join(', ')})`);
    if (montant === undefined || Number(montant) === 0) p('montant', `montant "${v.montant}" illisible ou nul (montant positif en euros attendu)`);
    const key = `${ctn}/${categorie}`;
    if (seen.has(key)) p('categorie', `${ctn} ${categorie} en double (déjà ligne ${seen.get(key)})`);
    seen.set(key, line);
    rows.push({ ctn, categorie, montant });
  }
  // complete grid: every CTN × category of the annex
  const missing: string[] = [];
  for (const table of TABLES) {
    const absent = categoriesAttendues(table).filter((c) => !seen.has(`${table}/${c}`));
    if (absent.length) missing.push(`${table} (${absent.join(', ')})`);
  }
  if (missing.length) problems.push({ file, line: t.rows.at(-1)?.line ?? t.headerLine, reason: `grille des coûts moyens incomplète : manquent ${missing.join(' ; ')}` });
  return { rows, problems };
}

function parseMajorations(file: string, t: CsvTable, annee: number): Parsed {
  const problems: InputProblem[] = [];
  const rows: Record<string, unknown>[] = [];
  if (t.rows.length !== 1) problems.push({ file, line: t.rows[1]?.line ?? t.headerLine, reason: `une seule ligne de majorations attendue (${t.rows.length} trouvées)` });
  for (const { line, values: v } of t.rows.slice(0, 1)) {
    const row: Record<string, unknown> = { annee };
    for (const m of ['m1', 'm2', 'm3', 'm4', 'tnmn']) {
      if (m === 'tnmn' && !v[m]) { row[m] = null; continue; }
      const n = lireNombre(v[m] ?? '');
      if (n === undefined) problems.push({ file, line, column: m, reason: `${m.toUpperCase()} "${v[m] ?? ''}" illisible (nombre positif attendu)` });
      row[m] = n;
    }
    for (const d of ['date_debut', 'date_fin'] as const) {
      const val = v[d] || (d === 'date_debut' ? `${annee}-01-01` : `${annee}-12-31`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(val) || lireDate(val) === undefined) problems.push({ file, line, column: d, reason: `date "${val}" invalide (AAAA-MM-JJ)` });
      row[d] = val;
    }
    rows.push(row);
  }
  return { rows, problems };
}

export async function importerBareme(
  db: Db,
  opts: { annee: number; fichier: string; type?: ImportType; source?: string },
): Promise<ImportResult> {
  const { annee, fichier } = opts;
  if ((opts.source?.length ?? 0) > LONGUEUR_MAX_COLONNE.source) throw new UserError(`--source : ${opts.source!.length} caractères, au plus ${LONGUEUR_MAX_COLONNE.source} admis`, 2);
  if (!Number.isInteger(annee) || annee < 2000 || annee > 2100) throw new UserError(`année ${annee} invalide`);
  const { sha256, table } = lireFichierCsv(fichier);
  const type = opts.type ?? detectType(table);
  if (!type) {
    throw new InputRejected(
      [{ file: fichier, line: table.headerLine || 1, reason: `en-tête non reconnu (${table.header.join(', ')}) : attendu code_risque;taux_net, ctn;categorie;montant, ou m1;m2;m3;m4[;tnmn]` }],
      `${fichier}: rejeté, rien n'a été chargé`,
    );
  }
  if (!table.rows.length) throw new InputRejected([{ file: fichier, line: table.headerLine, reason: 'aucune ligne de données' }], `${fichier}: rejeté, rien n'a été chargé`);

  const knownCodes = new Set((await db.knex('code_risque').select('code_risque')).map((r: { code_risque: string }) => r.code_risque));
  const parsed =
    type === 'taux_collectifs' ? parseTauxCollectifs(fichier, table, knownCodes)
    : type === 'couts_moyens' ? parseCoutsMoyens(fichier, table)
    : parseMajorations(fichier, table, annee);
  for (const r of table.rows) if (r.values.__extra) parsed.problems.push({ file: fichier, line: r.line, reason: `colonnes en trop : "${r.values.__extra.slice(0, 60)}"` });
  // every text field bounded, no control character (lib/limites.ts)
  for (const r of table.rows) {
    for (const [c, v] of Object.entries(r.values)) {
      const pb = c.startsWith('__') ? undefined : problemeCellule(c, v);
      if (pb) parsed.problems.push({ file: fichier, line: r.line, column: c, reason: pb });
    }
  }
  if (parsed.problems.length) {
    parsed.problems.sort((a, b) => a.line - b.line);
    throw new InputRejected(parsed.problems, `${fichier}: rejeté (${parsed.problems.length} erreur${parsed.problems.length > 1 ? 's' : ''}), rien n'a été chargé`);
  }
  const source = opts.source?.trim() || `${basename(fichier)} (sha256 ${sha256.slice(0, 16)}…), importé par atmp bareme import`;

  return db.knex.transaction(async (trx) => {
    const [{ id }] = await trx('bareme_import')
      .insert({ annee, type, fichier: basename(fichier), sha256, source, lignes: table.rows.length })
      .returning('id');
    const importId = Number(id);
    const origine = `import:${importId}`;
    if (type === 'taux_collectifs') {
      const codes = parsed.rows.filter((r) => r.__code).map((r) => r.__code as Record<string, unknown>);
      if (codes.length) await trx('code_risque').insert(codes).onConflict('code_risque').ignore();
      const rows = parsed.rows.filter((r) => !r.__code);
      const zones = [...new Set(rows.map((r) => r.zone as string))];
      await trx('bareme_taux_collectif').where({ annee }).whereIn('zone', zones).del();
      const full = rows.map((r) => ({ ...r, annee, source, confiance: null, origine, import_id: importId }));
      for (let i = 0; i < full.length; i += 500) await trx('bareme_taux_collectif').insert(full.slice(i, i + 500));
    } else if (type === 'couts_moyens') {
      await trx('bareme_cout_moyen').where({ annee }).del();
      await trx('bareme_cout_moyen').insert(parsed.rows.map((r) => ({ ...r, annee, source, confiance: null, origine, import_id: importId })));
    } else {
      await trx('bareme_majorations').where({ annee }).del();
      await trx('bareme_majorations').insert(parsed.rows.map((r) => ({ ...r, source, confiance: null, origine, import_id: importId })));
    }
    return { importId, type, annee, lignes: table.rows.length, sha256 };
  });
}
