/**
 * Loads the barèmes shipped in reference/ into the database, once per version of those files.
 * Imported annexes (`atmp bareme import`) always win: a (year, table) that has imported rows is left alone (for the
 * collective rates a (year, zone): an imported annex 3 leaves the shipped annex 1 of its year in place).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from '../../lib/db.ts';
import { parseCsv, type CsvRow } from '../../lib/csv.ts';
import { CTNS, categoriesAttendues, type TableCouts } from '../../rules/bareme.ts';

export const REFERENCE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'reference');

/** The arrêté giving each year's annexes, for messages about what is missing. */
export const ARRETES: Record<number, string> = {
  2016: 'arrêté du 21 décembre 2015',
  2017: 'arrêté du 27 décembre 2016',
  2018: 'arrêté du 30 décembre 2017',
  2019: 'arrêté du 26 décembre 2018',
  2020: 'arrêté du 27 décembre 2019',
  2021: 'arrêté du 16 décembre 2020',
  2022: 'arrêté du 24 décembre 2021',
  2023: 'arrêté du 26 décembre 2022',
  2024: 'arrêté du 27 décembre 2023',
  2025: 'arrêté du 29 avril 2025',
  2026: 'arrêté du 30 décembre 2025',
};
export const arreteDe = (annee: number) =>
  ARRETES[annee] ?? `arrêté relatif à la tarification des risques d'accidents du travail et de maladies professionnelles pour l'année ${annee}`;

/**
 * Where a year's Alsace-Moselle collective rates are published: annex 3 of the annual arrêté for the years read
 * (2025: art. 4 of the arrêté du 29 avril 2025; 2026: annex III); earlier years are named without an annex number.
 */
export const texteAlsaceMoselle = (annee: number) =>
  annee >= 2025 ? `annexe 3 de l'${arreteDe(annee)}` : `tarif ${annee} des départements du Haut-Rhin, du Bas-Rhin et de la Moselle`;

/** CTN whose shipped coûts moyens grid of year N is complete (reference/couts-moyens/N.csv). */
export function ctnCompletsLivres(annee: number): TableCouts[] {
  const f = join(REFERENCE_DIR, 'couts-moyens', `${annee}.csv`);
  if (!existsSync(f)) return [];
  const cellules = new Set(parseCsv(readFileSync(f, 'utf8')).rows.map(({ values: v }) => `${v.ctn}/${v.categorie}`));
  return CTNS.filter((t) => categoriesAttendues(t).every((c) => cellules.has(`${t}/${c}`)));
}

/**
 * The latest rate year the shipped barème can rate on its own: collective rates, majorations with the taux net
 * moyen national, and at least one CTN with its complete grid of coûts moyens (the establishments of the other CTN
 * need an imported annex 2 for a mixte or individuel rate).
 */
export function derniereAnneeTarifable(): number {
  const majorations = new Set(
    parseCsv(readFileSync(join(REFERENCE_DIR, 'majorations.csv'), 'utf8')).rows.filter(({ values: v }) => v.m1 && v.tnmn).map(({ values: v }) => Number(v.annee)),
  );
  const annees = readdirSync(join(REFERENCE_DIR, 'taux-collectifs'))
    .map((n) => /^(\d{4})\.csv$/.exec(n)?.[1])
    .filter((a): a is string => !!a)
    .map(Number)
    .filter((a) => majorations.has(a) && ctnCompletsLivres(a).length > 0)
    .sort((a, b) => b - a);
  if (!annees.length) throw new Error('aucune année que le barème livré puisse tarifier');
  return annees[0];
}

interface ReferenceFile {
  path: string;
  text: string;
}

/** reference/statistiques/ holds the national statistics table (atmp stats reference), not a barème. */
const HORS_BAREME = new Set(['statistiques']);

function referenceFiles(): ReferenceFile[] {
  const out: ReferenceFile[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!HORS_BAREME.has(e.name)) walk(p);
      } else if (e.name.endsWith('.csv')) out.push({ path: p, text: readFileSync(p, 'utf8') });
    }
  };
  walk(REFERENCE_DIR);
  return out;
}

/** Header comment "# Source : …" of a reference file. */
const headerSource = (text: string) => /^# Source : (.*)$/m.exec(text)?.[1] ?? '';
/** Header comment "# Confiance : …" (C legal text, S2, S1); the annex 1 extractions of the JO are C. */
const headerConfiance = (text: string) => /^# Confiance : (.*)$/m.exec(text)?.[1]?.trim() || 'C';

/** Collective-rate files: annex 1 in taux-collectifs/, annex 3 (Alsace-Moselle) in taux-collectifs-alsace-moselle/. */
const ZONES_TAUX = [
  { dossier: '/taux-collectifs/', zone: 'general' },
  { dossier: '/taux-collectifs-alsace-moselle/', zone: 'alsace_moselle' },
] as const;

export async function ensureReferenceLoaded(db: Db): Promise<boolean> {
  const files = referenceFiles();
  const hash = createHash('sha256');
  for (const f of files) hash.update(f.path.slice(REFERENCE_DIR.length)).update('\0').update(f.text).update('\0');
  const sha = hash.digest('hex');
  const current = await db.knex('reference_version').where({ id: 1 }).first();
  if (current?.sha256 === sha) return false;

  const byName = (rel: string) => files.find((f) => f.path === join(REFERENCE_DIR, rel));
  const rows = (f: ReferenceFile | undefined): CsvRow[] => (f ? parseCsv(f.text).rows : []);

  await db.knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', ['atmp-reference']);
    const again = await trx('reference_version').where({ id: 1 }).first();
    if (again?.sha256 === sha) return;

    // codes risque: upsert (imports may have added codes; never delete)
    const codes = rows(byName('codes-risque.csv')).map(({ values: v }) => ({
      code_risque: v.code_risque,
      ctn: v.ctn || null,
      particularite: v.particularite,
      libelle: v.libelle,
      premiere_annee: v.premiere_annee ? Number(v.premiere_annee) : null,
      derniere_annee: v.derniere_annee ? Number(v.derniere_annee) : null,
      origine: 'reference',
    }));
    for (let i = 0; i < codes.length; i += 500) {
      await trx('code_risque')
        .insert(codes.slice(i, i + 500))
        .onConflict('code_risque')
        .merge(['ctn', 'particularite', 'libelle', 'premiere_annee', 'derniere_annee']);
    }

    await trx('groupe_btp').del();
    await trx('groupe_btp').insert(
      rows(byName('groupes-btp.csv')).map(({ values: v }) => ({
        code_risque: v.code_risque,
        groupe: v.groupe,
        confiance: v.confiance,
        source: v.source,
      })),
    );

    // yearly tables: replace the shipped rows, except for years that have an imported table
    const importedYears = async (table: string) =>
      new Set((await trx(table).whereNot({ origine: 'reference' }).distinct('annee')).map((r: { annee: number }) => r.annee));

    await trx('bareme_taux_collectif').where({ origine: 'reference' }).del();
    // an imported annex replaces the shipped table of its year and zone only (annex 1 and annex 3 are separate)
    const tcImported = new Set(
      (await trx('bareme_taux_collectif').whereNot({ origine: 'reference' }).distinct('annee', 'zone')).map((r: { annee: number; zone: string }) => `${r.annee}/${r.zone}`),
    );
    const taux: Record<string, unknown>[] = [];
    for (const { dossier, zone } of ZONES_TAUX) {
      for (const f of files.filter((f) => f.path.includes(dossier))) {
        const annee = Number(/(\d{4})\.csv$/.exec(f.path)![1]);
        if (tcImported.has(`${annee}/${zone}`)) continue;
        const source = headerSource(f.text);
        const confiance = headerConfiance(f.text);
        for (const { values: v } of rows(f)) {
          if (v.zone && v.zone !== zone) throw new Error(`${f.path}: zone ${v.zone} dans le dossier de la zone ${zone}`);
          taux.push({
            annee,
            code_risque: v.code_risque,
            zone,
            taux_net: v.taux_net,
            collectif_quel_que_soit_effectif: !v.collectif_quel_que_soit_effectif ? null : v.collectif_quel_que_soit_effectif === 'oui',
            source,
            confiance,
            origine: 'reference',
          });
        }
      }
    }
    for (let i = 0; i < taux.length; i += 500) await trx('bareme_taux_collectif').insert(taux.slice(i, i + 500));

    await trx('bareme_majorations').where({ origine: 'reference' }).del();
    const majImported = await importedYears('bareme_majorations');
    const maj = rows(byName('majorations.csv'))
      .filter(({ values: v }) => !majImported.has(Number(v.annee)))
      .map(({ values: v }) => ({
        annee: Number(v.annee),
        m1: v.m1,
        m2: v.m2,
        m3: v.m3,
        m4: v.m4,
        tnmn: v.tnmn || null,
        date_debut: v.date_debut,
        date_fin: v.date_fin,
        source: v.source,
        confiance: [v.confiance_majorations, v.confiance_tnmn && `TNMN ${v.confiance_tnmn}`].filter(Boolean).join(', '),
        origine: 'reference',
      }));
    if (maj.length) await trx('bareme_majorations').insert(maj);

    await trx('bareme_cout_moyen').where({ origine: 'reference' }).del();
    const cmImported = await importedYears('bareme_cout_moyen');
    const couts: Record<string, unknown>[] = [];
    for (const f of files.filter((f) => f.path.includes('/couts-moyens/'))) {
      const annee = Number(/(\d{4})\.csv$/.exec(f.path)![1]);
      if (cmImported.has(annee)) continue;
      for (const { values: v } of rows(f)) {
        couts.push({ annee, ctn: v.ctn, categorie: v.categorie, montant: v.montant, source: v.source, confiance: v.confiance, origine: 'reference' });
      }
    }
    for (let i = 0; i < couts.length; i += 500) await trx('bareme_cout_moyen').insert(couts.slice(i, i + 500));

    await trx('reference_version').insert({ id: 1, sha256: sha, charge_le: trx.fn.now() }).onConflict('id').merge();
  });
  return true;
}
