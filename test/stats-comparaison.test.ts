/**
 * The region set against the nation: the hand-computed region (test/fixtures/statistiques/sinistralite-2024.yaml)
 * with a small national table (test/helpers/table-nationale.ts) loaded for 2023 then 2024 — national figures of
 * the same cell, ratios of the indicators, closest loaded year named, NAF2 / NAF38 from the national nomenclature,
 * the national layout of the columns, secondary secrecy of the CTN × NAF5 crossing, standard output; then the
 * command line (--par ctn-naf and --par naf2 in JSON) in a child process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { runCli, tempDir } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { chargerFixture, lireFixture } from './fixtures/statistiques/charger.ts';
import { xlsxNational } from './helpers/table-nationale.ts';
import { exporterSinistralite, colonnes } from '../pipelines/statistiques/sinistralite.ts';
import { importerTableNationale, lireTableNationale } from '../pipelines/statistiques/reference.ts';
import { indiceFrequenceParCtn } from '../pipelines/statistiques/comparaison.ts';
import { barresComparees } from '../pipelines/rapport/svg-comparaison.ts';

const fx = lireFixture();
let db: TestDb;
let dir: string;

beforeAll(async () => {
  db = await testDb();
  dir = tempDir('atmp-stats-nation-');
  await chargerFixture(db.knex, fx, dir);
});
afterAll(async () => db?.drop());

type Json = { metadata: Record<string, any>; lignes: Record<string, string | boolean | null>[] };
const json = async (par: 'ctn' | 'naf2' | 'ctn-naf' | 'code-risque', colonnesNat = false): Promise<Json> => {
  const r = await exporterSinistralite(db, { annee: 2024, par, format: 'json', outDir: dir, colonnes: colonnesNat ? 'nationales' : 'atmp', out: join(dir, `${par}-${colonnesNat}.json`) });
  return JSON.parse(readFileSync(r.chemin, 'utf8'));
};

describe('national comparison', () => {
  it('without a national table: national columns empty, said in the metadata', async () => {
    const j = await json('ctn');
    expect(j.metadata.comparaison_nationale).toMatchObject({ annee_table: null });
    expect(j.metadata.comparaison_nationale.note).toContain('aucune table nationale chargée');
    expect(j.lignes.every((l) => l.nat_annee === null && l.ratio_indice_frequence === null)).toBe(true);
  });

  it('only 2023 loaded: the 2024 region is compared with 2023, and the year is named', async () => {
    const t = await lireTableNationale('nation-2023.xlsx', await xlsxNational({ feuille: 'AT 2023 par CTN X NAF', titre: 'Risque Accident du travail 2023' }));
    await importerTableNationale(db, t, 2023);
    const j = await json('ctn');
    expect(j.metadata.comparaison_nationale.annee_table).toBe(2023);
    expect(j.metadata.comparaison_nationale.note).toBe('table nationale 2023 : pas de table 2024 chargée, année chargée la plus proche');
    expect(j.lignes.find((l) => l.ctn === 'A')!.nat_annee).toBe('2023');
  });

  it('2024 loaded: each row carries the national cell and the ratio of each indicator (withheld rows keep the national figures, not the ratios)', async () => {
    await importerTableNationale(db, await lireTableNationale('nation-2024.xlsx', await xlsxNational()), 2024);
    const j = await json('ctn');
    expect(j.metadata.comparaison_nationale.note).toBe('table nationale 2024 (même année)');
    const a = j.lignes.find((l) => l.ctn === 'A')!;
    // nation A: 1 500 salariés, 2 400 000 h, 40 AT, 2 900 days, Σ taux 127 → IF 26,67 ; TF 16,67 ; TG 1,21 ; IG 52,92
    expect(a).toMatchObject({ nat_annee: '2024', nat_salaries: '1500', nat_heures: '2400000', nat_at: '40', nat_journees_it: '2900', nat_somme_taux_ip: '127',
      nat_indice_frequence: '26.67', nat_taux_frequence: '16.67', nat_taux_gravite: '1.21', nat_indice_gravite: '52.92' });
    // region A: 7 AT, 28 salariés, 50 400 h, 158 days, Σ taux 172. Ratios of the unrounded indicators:
    //   IF (7 / 28) / (40 / 1 500) = 9,375 → 9,38 ; TF (7 / 50 400) / (40 / 2 400 000) = 8,333… → 8,33
    //   TG (158 / 50 400) / (2 900 / 2 400 000) = 2,594… → 2,59 ; IG (172 / 50 400) / (127 / 2 400 000) = 64,49… → 64,49
    expect(a).toMatchObject({ indice_frequence: '250.00', ratio_indice_frequence: '9.38', ratio_taux_frequence: '8.33', ratio_taux_gravite: '2.59', ratio_indice_gravite: '64.49' });
    const d = j.lignes.find((l) => l.ctn === 'D')!;
    expect(d).toMatchObject({ secret: true, nat_annee: null, ratio_indice_frequence: null });
    const b = j.lignes.find((l) => l.ctn === 'B')!;
    // nation B: 2 010 salariés, 81 AT → IF 40,30 ; region B IF 133,33 ; ratio (4 / 30) / (81 / 2 010) = 3,308… → 3,31
    expect(b).toMatchObject({ nat_indice_frequence: '40.30', ratio_indice_frequence: '3.31' });
  });

  it('NAF2 and NAF38 from the national nomenclature (no APET: its "Valeur manquante"); a code it does not know falls back to its two digits and (non classé)', async () => {
    const j = await json('naf2');
    expect(j.lignes.map((l) => [l.naf2, l.libelle_naf2, l.naf38, l.secret])).toEqual([
      ['(non renseigné)', 'Valeur manquante', '(non renseigné)', true], ['24', 'Métallurgie', 'CH', true], ['25', 'Fabrication de produits métalliques', 'CH', true],
      ['43', 'Travaux de construction spécialisés', 'FZ', false], ['47', null, '(non classé)', true],
    ]);
    // 43 = 4312A: 5 AT, 31 salariés; nation 4312A: 80 AT, 2 000 salariés → ratio (5 / 31) / (80 / 2 000) = 4,032… → 4,03
    expect(j.lignes[3]).toMatchObject({ at_avec_arret: '5', nat_at: '80', nat_indice_frequence: '40.00', ratio_indice_frequence: '4.03' });
  });

  it('the national layout: the national table\'s columns in its order and under its names, CTN doubled, labels as published', async () => {
    expect(colonnes('ctn-naf', 'nationales').slice(0, 20)).toEqual([
      'CTN', 'Libellé du CTN', 'Code NAF', 'Libellé du code NAF', 'Code NAF2', 'Libellé du code NAF2', 'Code NAF38', 'Libellé du code NAF38',
      'Nombre de salariés', "Nombre d'heures travaillées", 'Nombre de SIRET', 'AT en 1er règlement', "dont AT avec 4 jours d'arrêt ou plus sur l'année",
      'Nouvelles IP', 'dont IP avec taux < 10%', 'dont IP avec taux ≥ 10%', 'Décès', "Journées d'IT", "Somme des taux d'IP <10%", "Somme des taux d'IP",
    ]);
    const r = await exporterSinistralite(db, { annee: 2024, par: 'ctn', colonnes: 'nationales', outDir: dir, fr: true, out: join(dir, 'ctn-nat.csv') });
    const rows = parseCsvSync(readFileSync(r.chemin, 'utf8'), { delimiter: ';', comment: '#', comment_no_infix: true, columns: true }) as Record<string, string>[];
    expect(rows.map((x) => x.CTN)).toEqual(['AA', 'BB', 'DD']);
    expect(rows[0]).toMatchObject({ 'Libellé du CTN': 'Industries de la métallurgie', 'Nombre de salariés': '28,00', 'AT en 1er règlement': '7', "dont AT avec 4 jours d'arrêt ou plus sur l'année": '5',
      'dont IP avec taux < 10%': '1', 'dont IP avec taux ≥ 10%': '2', "Journées d'IT": '158', "Somme des taux d'IP": '172', 'Indice de fréquence': '250,00',
      'Année de la table nationale': '2024', 'National – AT en 1er règlement': '40', 'Rapport à la nation – Indice de fréquence': '9,38' });
  });

  it('CTN × NAF5: the crossing\'s cells against the national ones; a withheld cell its published totals determine is reported', async () => {
    const j = await json('ctn-naf');
    expect(j.lignes.map((l) => `${l.ctn}/${l.naf5}`)).toEqual(['A/(non renseigné)', 'A/2451Z', 'A/2562B', 'B/4312A', 'D/4312A', 'D/4711B']);
    expect(j.lignes[3]).toMatchObject({ secret: false, at_avec_arret: '4', nat_at: '80', nat_salaries: '2000' });
    // D/4312A (one company) = NAF 4312A total − CTN B × 4312A, and CTN B × 4312A = CTN B total: publishing the CTN
    // and NAF5 tables with the crossing gives it away, whatever the crossing withholds
    expect(j.metadata.secret_statistique.secret_secondaire).toMatchObject({ applique: true, cellules: 0, exposees: ['D/4312A'] });
  });

  it('the report\'s chart: the region\'s indice de fréquence beside the nation\'s per CTN, a withheld CTN without its bar', async () => {
    const c = await indiceFrequenceParCtn(db.knex, 2024);
    expect(c.anneeNationale).toBe(2024);
    expect(c.lignes.map((l) => [l.ctn, l.secret, l.region, l.nation, l.ratio])).toEqual([
      ['A', false, '250.00', '26.67', '9.38'], ['B', false, '133.33', '40.30', '3.31'], ['D', true, null, null, null],
    ]);
    const svg = barresComparees(c.lignes.map((l) => ({ libelle: l.ctn, region: l.region, nation: l.nation, absenceRegion: l.secret ? 'secret' : '—' })), { titre: 'IF', legendeRegion: 'région 2024', legendeNation: 'nation 2024' });
    expect((svg.match(/<rect /g) ?? []).length).toBe(2 + 4); // legend + A and B, region and nation
    expect(svg).toContain('<title>A — région : 250,0</title>');
    expect(svg).toContain('<title>B — nation : 40,3</title>');
    expect(svg).toMatch(/>secret<\/text>/);
  });

  it('--out - writes the table to standard output, no file', async () => {
    const sortie = new PassThrough();
    let texte = '';
    sortie.on('data', (d) => (texte += d));
    const r = await exporterSinistralite(db, { annee: 2024, par: 'naf2', format: 'json', outDir: dir, out: '-', sortieStandard: sortie });
    expect(r.chemin).toBe('-');
    expect((JSON.parse(texte) as Json).lignes.length).toBe(5);
  });
});

describe('atmp stats sinistralite --par ctn-naf / naf2 --format json (command line)', () => {
  it('rows with the national comparison when the reference of the year is loaded', { timeout: 240_000 }, async () => {
    // a child process needs its own database: the fixture and the national table loaded again there
    const cdir = tempDir('atmp-stats-nation-cli-');
    const xlsx = join(cdir, 'nation-2024.xlsx');
    writeFileSync(xlsx, await xlsxNational());
    let env: Record<string, string | undefined>;
    if (process.env.DATABASE_URL) {
      const autre = await testDb();
      await chargerFixture(autre.knex, fx, cdir);
      await autre.close();
      env = { DATABASE_URL: autre.url, ATMP_OUT_DIR: join(cdir, 'out'), ATMP_QUIET: '1' };
      try {
        await verifier(env, xlsx);
      } finally {
        await autre.drop(); // closes again (no-op) and drops the database
      }
    } else {
      const { openDb } = await import('../lib/db.ts');
      const { loadConfig } = await import('../lib/config.ts');
      const dataDir = join(cdir, 'db');
      const local = await openDb({ config: { ...loadConfig(), databaseUrl: undefined, dataDir } });
      try {
        await chargerFixture(local.knex, fx, cdir);
      } finally {
        await local.close();
      }
      env = { DATABASE_URL: '', ATMP_DATA_DIR: dataDir, ATMP_OUT_DIR: join(cdir, 'out'), ATMP_QUIET: '1' };
      await verifier(env, xlsx);
    }
  });
});

async function verifier(env: Record<string, string | undefined>, xlsx: string) {
  const imp = await runCli(['stats', 'reference', 'import', xlsx, '--annee', '2024'], env);
  expect(imp.stderr).toBe('');
  expect(imp.stdout).toContain('Table nationale 2024 chargée : 4 lignes');
  const crois = await runCli(['stats', 'sinistralite', '--annee', '2024', '--par', 'ctn-naf', '--format', 'json', '--out', '-'], env);
  expect(crois.code).toBe(0);
  const j = JSON.parse(crois.stdout) as Json;
  expect(j.lignes.find((l) => l.ctn === 'B' && l.naf5 === '4312A')).toMatchObject({ nat_annee: '2024', nat_at: '80', ratio_indice_frequence: expect.any(String) });
  expect(crois.stderr).toContain('écrites sur la sortie standard ; comparaison : table nationale 2024 (même année)');
  const naf2 = await runCli(['stats', 'sinistralite', '--annee', '2024', '--par', 'naf2', '--format', 'json', '--out', '-'], env);
  const k = JSON.parse(naf2.stdout) as Json;
  expect(k.lignes.find((l) => l.naf2 === '43')).toMatchObject({ nat_annee: '2024', nat_indice_frequence: '40.00', ratio_indice_frequence: '4.03' });
}
