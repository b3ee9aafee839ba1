/**
 * `atmp ingest sinistres FILE...`: the sinistres charged by the CPAM, one row per sinistre and extract. A later
 * extract adds a version to the sinistre (its history is kept, nothing is overwritten); the categories follow
 * CSS D.242-6-7 (IT fixed on 31 December of the year after the declaration, IP at its first notification).
 * Invalid rows go to a rejects report (CSV under <out>/rejets/); the valid rows of a file are applied in one
 * transaction only with `partiel`, else nothing of that file is applied.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { ecrireAtomique } from '../../lib/fichiers.ts';
import { basename, join } from 'node:path';
import type { Knex } from 'knex';
import { celluleExport, type CsvRow } from '../../lib/csv.ts';
import type { InputProblem } from '../../lib/errors.ts';
import { problemeSiret } from '../../lib/siret.ts';
import { problemeCellule } from '../../lib/limites.ts';
import { D, type Decimal } from '../../rules/decimal.ts';
import { lireDate, lireDecimal, lireFichierCsv, lireOuiNon } from '../ingest-referentiel/valeurs.ts';
import { upsert } from '../ingest-referentiel/import.ts';
import { anneeImputationIP, categoriesVersion, type EtatCategories } from '../../rules/categories.ts';
import type { CategorieIP, CategorieIT } from '../../rules/bareme.ts';

export const COLONNES_SINISTRES = {
  requises: ['sinistre_id', 'siret', 'nature', 'date_accident', 'annee_imputation', 'date_extraction'],
  facultatives: [
    'date_declaration', 'date_reconnaissance', 'jours_arret', 'taux_ip', 'date_notification_ip', 'deces',
    'compte_special', 'inopposable', 'date_inopposabilite', 'part_tiers', 'siret_utilisateur',
    'utilisateur_procedure_collective',
  ],
};

/** The facts of one extract row (the categories are derived). */
interface Faits {
  sinistre_id: string;
  date_extraction: string;
  siret: string;
  siren: string;
  nature: 'AT' | 'TRAJET' | 'MP';
  date_accident: string;
  date_declaration: string | null;
  date_reconnaissance: string | null;
  annee_imputation: number;
  jours_arret: number | null;
  taux_ip: string | null;
  date_notification_ip: string | null;
  deces: boolean;
  compte_special: boolean;
  inopposable: boolean;
  date_inopposabilite: string | null;
  part_tiers: string;
  siret_utilisateur: string | null;
  utilisateur_procedure_collective: boolean;
}

const CHAMPS_FAITS: (keyof Faits)[] = [
  'siret', 'nature', 'date_accident', 'date_declaration', 'date_reconnaissance', 'annee_imputation', 'jours_arret',
  'taux_ip', 'date_notification_ip', 'deces', 'compte_special', 'inopposable', 'date_inopposabilite', 'part_tiers',
  'siret_utilisateur', 'utilisateur_procedure_collective',
];

export interface OptionsSinistres {
  /** apply the valid rows of a file that has rejected rows */
  partiel?: boolean;
  /** root of the outputs; the rejects reports go to <outDir>/rejets/ */
  outDir: string;
}

export interface ResultatSinistres {
  fichier: string;
  lignes: number;
  /** new versions written (or that would have been written, when nothing was applied) */
  versions: number;
  /** rows identical to the version already loaded for that extract date */
  inchangees: number;
  rejets: InputProblem[];
  applique: boolean;
  /** path of the rejects report, when there are rejects */
  rapport?: string;
  importId?: number;
}

/** Parses the part_tiers cell: a fraction 0..1 ("0.25", "0,25") or a percentage ("25 %"). */
export function lirePartTiers(raw: string): Decimal | undefined {
  const s = raw.trim();
  if (s === '') return D(0);
  const pct = /%\s*$/.test(s);
  const d = lireDecimal(s.replace(/%\s*$/, ''));
  if (d === undefined) return undefined;
  const v = pct ? d.div(100) : d;
  return v.gt(1) ? undefined : v;
}

function lireLigne(row: CsvRow, p: (column: string | undefined, reason: string) => void): Faits | undefined {
  const v = row.values;
  const avant = { n: 0 };
  const pb = (c: string | undefined, r: string) => { avant.n++; p(c, r); };
  for (const c of COLONNES_SINISTRES.requises) if (!v[c]) pb(c, 'valeur requise');
  for (const [c, x] of Object.entries(v)) {
    const pbCellule = c === '__extra' ? undefined : problemeCellule(c, x);
    if (pbCellule) pb(c, pbCellule);
  }
  if (avant.n) return undefined;
  const siretErr = v.siret ? problemeSiret(v.siret) : undefined;
  if (siretErr) pb('siret', siretErr);
  const nature = (v.nature ?? '').toUpperCase();
  if (v.nature && !['AT', 'TRAJET', 'MP'].includes(nature)) pb('nature', `nature "${v.nature}" inconnue (AT, TRAJET ou MP)`);
  const date = (c: string) => {
    if (!v[c]) return null;
    const d = lireDate(v[c]);
    if (!d) pb(c, `date "${v[c]}" invalide (AAAA-MM-JJ ou JJ/MM/AAAA)`);
    return d ?? null;
  };
  const ouiNon = (c: string) => {
    const b = lireOuiNon(v[c] ?? '');
    if (b === undefined) pb(c, `"${v[c]}" : oui ou non attendu`);
    return b ?? false;
  };
  const dateAccident = date('date_accident');
  const dateExtraction = date('date_extraction');
  const dateDeclaration = date('date_declaration');
  const dateReconnaissance = date('date_reconnaissance');
  const dateNotifIp = date('date_notification_ip');
  const dateInopp = date('date_inopposabilite');
  if (dateAccident && dateExtraction && dateExtraction < dateAccident) pb('date_extraction', `extraction du ${dateExtraction} antérieure à l'accident (${dateAccident})`);
  if (dateAccident && dateReconnaissance && dateReconnaissance < dateAccident) pb('date_reconnaissance', `reconnaissance du ${dateReconnaissance} antérieure à l'accident (${dateAccident})`);
  if (dateAccident && dateDeclaration && dateDeclaration < dateAccident && nature !== 'MP') pb('date_declaration', `déclaration du ${dateDeclaration} antérieure à l'accident (${dateAccident})`);
  const annee = Number(v.annee_imputation);
  if (v.annee_imputation && (!/^\d{4}$/.test(v.annee_imputation) || annee < 1990 || annee > 2100)) pb('annee_imputation', `année "${v.annee_imputation}" invalide (AAAA)`);
  else if (dateAccident && annee < Number(dateAccident.slice(0, 4))) pb('annee_imputation', `année d'imputation ${annee} antérieure à l'accident (${dateAccident})`);
  let jours: number | null = null;
  if (v.jours_arret) {
    if (!/^\d{1,5}$/.test(v.jours_arret)) pb('jours_arret', `nombre de jours "${v.jours_arret}" invalide (entier positif)`);
    else jours = Number(v.jours_arret);
  }
  let tauxIp: Decimal | null = null;
  if (v.taux_ip) {
    const t = lireDecimal(v.taux_ip.replace(/%\s*$/, ''));
    if (t === undefined || t.gt(100)) pb('taux_ip', `taux d'IP "${v.taux_ip}" illisible (pourcentage de 0 à 100)`);
    else tauxIp = t;
  }
  const deces = ouiNon('deces');
  const compteSpecial = ouiNon('compte_special');
  // The compte spécial only takes occupational diseases (CSS D.242-6-5, arrêté du 16 octobre 1995).
  if (compteSpecial && nature && nature !== 'MP') pb('compte_special', `compte spécial réservé aux maladies professionnelles (nature ${nature})`);
  const inopposable = ouiNon('inopposable');
  if (inopposable && !dateInopp && !v.date_inopposabilite) pb('date_inopposabilite', "date de la décision d'inopposabilité requise");
  if (!inopposable && dateInopp) pb('inopposable', "date d'inopposabilité donnée mais inopposable = non");
  const part = lirePartTiers(v.part_tiers ?? '');
  if (part === undefined) pb('part_tiers', `part du tiers "${v.part_tiers}" illisible (fraction de 0 à 1 ou pourcentage)`);
  const siretU = v.siret_utilisateur || null;
  if (siretU) {
    const e = problemeSiret(siretU);
    if (e) pb('siret_utilisateur', e);
    else if (siretU === v.siret) pb('siret_utilisateur', "l'établissement utilisateur est l'employeur lui-même");
  }
  const procColl = ouiNon('utilisateur_procedure_collective');
  if (procColl && !siretU) pb('utilisateur_procedure_collective', 'sans établissement utilisateur (siret_utilisateur)');
  if (avant.n) return undefined;
  return {
    sinistre_id: v.sinistre_id, date_extraction: dateExtraction!, siret: v.siret, siren: v.siret.slice(0, 9),
    nature: nature as Faits['nature'], date_accident: dateAccident!, date_declaration: dateDeclaration,
    date_reconnaissance: dateReconnaissance, annee_imputation: annee, jours_arret: jours,
    taux_ip: tauxIp === null ? null : tauxIp.toString(), date_notification_ip: dateNotifIp, deces,
    compte_special: compteSpecial, inopposable, date_inopposabilite: dateInopp, part_tiers: part!.toString(),
    siret_utilisateur: siretU, utilisateur_procedure_collective: procColl,
  };
}

/** Same facts? (numbers compared as decimals, as the database gives them back as strings) */
function memesFaits(a: Faits, b: Record<string, unknown>): boolean {
  return CHAMPS_FAITS.every((k) => {
    const x = a[k];
    const y = b[k] ?? null;
    if (x === null || y === null) return x === y;
    if (k === 'taux_ip' || k === 'part_tiers') return D(String(x)).eq(D(String(y)));
    return String(x) === String(y);
  });
}

interface Courante {
  numero: number;
  date_extraction: string;
  ligne: Record<string, unknown>;
  etat: EtatCategories;
}

/** Imports one extract file. Never throws on row problems: they are in the result (and the report). */
export async function importerFichierSinistres(knex: Knex, fichier: string, opts: OptionsSinistres): Promise<ResultatSinistres> {
  const rejets: InputProblem[] = [];
  const res: ResultatSinistres = { fichier, lignes: 0, versions: 0, inchangees: 0, rejets, applique: false };
  let lu;
  try {
    lu = lireFichierCsv(fichier);
  } catch (e) {
    const pbs = (e as { problems?: InputProblem[] }).problems ?? [{ file: fichier, line: 1, reason: (e as Error).message }];
    rejets.push(...pbs);
    res.rapport = ecrireRapport(fichier, rejets, opts.outDir);
    return res;
  }
  const { table, sha256 } = lu;
  res.lignes = table.rows.length;
  const manquantes = COLONNES_SINISTRES.requises.filter((c) => !table.header.includes(c));
  const connues = new Set([...COLONNES_SINISTRES.requises, ...COLONNES_SINISTRES.facultatives]);
  const inconnues = table.header.filter((c) => !connues.has(c));
  if (manquantes.length) rejets.push({ file: fichier, line: table.headerLine || 1, reason: `colonnes requises absentes : ${manquantes.join(', ')}` });
  if (inconnues.length) rejets.push({ file: fichier, line: table.headerLine || 1, reason: `colonnes inconnues : ${inconnues.join(', ')}` });
  if (!table.rows.length && !rejets.length) rejets.push({ file: fichier, line: table.headerLine || 1, reason: 'aucune ligne de données' });
  if (rejets.length) {
    res.rapport = ecrireRapport(fichier, rejets, opts.outDir);
    return res;
  }

  const valides: { row: CsvRow; f: Faits }[] = [];
  const vus = new Map<string, number>();
  for (const row of table.rows) {
    const p = (column: string | undefined, reason: string) => rejets.push({ file: fichier, line: row.line, column, reason });
    if (row.values.__extra) { p(undefined, `colonnes en trop : "${row.values.__extra}"`); continue; }
    const f = lireLigne(row, p);
    if (!f) continue;
    const cle = `${f.sinistre_id}@${f.date_extraction}`;
    if (vus.has(cle)) { p('date_extraction', `sinistre ${f.sinistre_id} déjà présent pour l'extraction du ${f.date_extraction} (ligne ${vus.get(cle)})`); continue; }
    vus.set(cle, row.line);
    valides.push({ row, f });
  }

  await knex.transaction(async (trx) => {
    // serialise concurrent imports of sinistres: the version numbers are computed here
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', ['atmp-ingest-sinistres']);
    const ids = [...new Set(valides.map((v) => v.f.sinistre_id))];
    const courantes = new Map<string, Courante>();
    for (let i = 0; i < ids.length; i += 1000) {
      const rows = await trx('sinistre_version as v')
        .join('sinistre as s', function () {
          this.on('s.sinistre_id', 'v.sinistre_id').andOn('s.version_courante', 'v.numero');
        })
        .whereIn('v.sinistre_id', ids.slice(i, i + 1000))
        .select('v.*');
      for (const r of rows) {
        courantes.set(r.sinistre_id, {
          numero: r.numero, date_extraction: r.date_extraction, ligne: r,
          etat: { categorieIT: r.categorie_it as CategorieIT, itFige: r.it_fige, categorieIP: (r.categorie_ip as CategorieIP) ?? null, ipFige: r.ip_fige },
        });
      }
    }
    valides.sort((a, b) => (a.f.sinistre_id < b.f.sinistre_id ? -1 : a.f.sinistre_id > b.f.sinistre_id ? 1 : a.f.date_extraction < b.f.date_extraction ? -1 : a.f.date_extraction > b.f.date_extraction ? 1 : 0));
    const nouvelles: Record<string, unknown>[] = [];
    for (const { row, f } of valides) {
      const p = (column: string | undefined, reason: string) => rejets.push({ file: fichier, line: row.line, column, reason });
      const c = courantes.get(f.sinistre_id);
      if (c && f.date_extraction < c.date_extraction) {
        p('date_extraction', `extraction du ${f.date_extraction} plus ancienne que la version déjà chargée du sinistre ${f.sinistre_id} (${c.date_extraction})`);
        continue;
      }
      if (c && f.date_extraction === c.date_extraction) {
        if (memesFaits(f, c.ligne)) res.inchangees++;
        else p('date_extraction', `sinistre ${f.sinistre_id} déjà chargé pour l'extraction du ${f.date_extraction} avec d'autres valeurs`);
        continue;
      }
      const etat = categoriesVersion(
        { dateExtraction: f.date_extraction, dateAccident: f.date_accident, dateDeclaration: f.date_declaration, joursArret: f.jours_arret, tauxIp: f.taux_ip === null ? null : D(f.taux_ip), deces: f.deces },
        c?.etat ?? null,
      );
      const anneeIp = anneeImputationIP(etat.categorieIP, c ? { categorieIP: c.etat.categorieIP, anneeIp: c.ligne.annee_ip as number | null } : null, f.date_notification_ip, f.annee_imputation);
      const ligne: Record<string, unknown> = {
        ...f, numero: (c?.numero ?? 0) + 1, categorie_it: etat.categorieIT, it_fige: etat.itFige,
        categorie_ip: etat.categorieIP, ip_fige: etat.ipFige, annee_ip: anneeIp, fichier: basename(fichier), ligne: row.line,
      };
      nouvelles.push(ligne);
      courantes.set(f.sinistre_id, { numero: ligne.numero as number, date_extraction: f.date_extraction, ligne, etat });
    }
    res.versions = nouvelles.length;
    if (rejets.length && !opts.partiel) return; // nothing applied
    if (!nouvelles.length) { res.applique = !rejets.length || !!opts.partiel; return; }
    const [{ id }] = await trx('referentiel_import').insert({ type: 'sinistres', fichier: basename(fichier), sha256, lignes: table.rows.length }).returning('id');
    res.importId = Number(id);
    const derniere = new Map<string, Record<string, unknown>>();
    for (const n of nouvelles) derniere.set(n.sinistre_id as string, n);
    const sinistres = [...derniere.values()].map((n) => ({ sinistre_id: n.sinistre_id, siret: n.siret, siren: n.siren, version_courante: n.numero, modifie_le: trx.fn.now() }));
    await upsert(trx, 'sinistre', sinistres, ['sinistre_id'], ['siret', 'siren', 'version_courante', 'modifie_le']);
    const aInserer = nouvelles.map((n) => ({ ...n, import_id: res.importId }));
    for (let i = 0; i < aInserer.length; i += 500) await trx('sinistre_version').insert(aInserer.slice(i, i + 500));
    res.applique = true;
  });
  rejets.sort((a, b) => a.line - b.line);
  if (rejets.length) res.rapport = ecrireRapport(fichier, rejets, opts.outDir);
  return res;
}

export async function importerSinistres(knex: Knex, fichiers: string[], opts: OptionsSinistres): Promise<ResultatSinistres[]> {
  const out: ResultatSinistres[] = [];
  for (const f of fichiers) out.push(await importerFichierSinistres(knex, f, opts));
  return out;
}

/** Writes <outDir>/rejets/<file>-<timestamp>.csv: fichier;ligne;colonne;motif. */
export function ecrireRapport(fichier: string, rejets: InputProblem[], outDir: string): string {
  const dir = join(outDir, 'rejets');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  let chemin = join(dir, `${basename(fichier).replace(/\.csv$/i, '')}-${stamp}.csv`);
  for (let i = 2; existsSync(chemin); i++) chemin = join(dir, `${basename(fichier).replace(/\.csv$/i, '')}-${stamp}-${i}.csv`);
  const lignes = ['fichier;ligne;colonne;motif', ...rejets.map((r) => [r.file, String(r.line), r.column ?? '', r.reason].map((c) => celluleExport(c)).join(';'))];
  ecrireAtomique(chemin, '\ufeff' + lignes.join('\n') + '\n');
  return chemin;
}
