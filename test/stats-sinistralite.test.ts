/**
 * Sinistralité statistics on a hand-computed region (test/fixtures/statistiques/sinistralite-2024.yaml): référentiel
 * and sinistres imported through their pipelines, DSN facts as the ingestion stores them, then the three breakdowns
 * written as CSV and JSON and compared with the figures computed by hand in the data file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { tempDir } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { chargerFixture, lireFixture } from './fixtures/statistiques/charger.ts';
import { exporterSinistralite, colonnes, COLONNES_CHIFFRES, type Par } from '../pipelines/statistiques/sinistralite.ts';

const fx = lireFixture();
let db: TestDb;
let dir: string;

beforeAll(async () => {
  db = await testDb();
  dir = tempDir('atmp-stats-');
  await chargerFixture(db.knex, fx, dir);
});
afterAll(async () => db?.drop());

/** Reads a CSV written by the pipeline: comment lines, BOM and decimal comma handled. */
function lireCsv(chemin: string, sep = ',') {
  let texte = readFileSync(chemin, 'utf8');
  const bom = texte.charCodeAt(0) === 0xfeff;
  if (bom) texte = texte.slice(1);
  const commentaires = texte.split('\r\n').filter((l) => l.startsWith('#'));
  const rows = parseCsvSync(texte, { delimiter: sep, comment: '#', comment_no_infix: true, columns: true, skip_empty_lines: true }) as Record<string, string>[];
  return { bom, commentaires, rows };
}

const lireJson = (chemin: string) => JSON.parse(readFileSync(chemin, 'utf8')) as { metadata: Record<string, any>; lignes: Record<string, string | boolean | null>[] };

describe.each(['code-risque', 'ctn', 'naf5'] as Par[])('sinistralité %s', (par) => {
  let csv: ReturnType<typeof lireCsv>;
  let json: ReturnType<typeof lireJson>;
  let resCsv: Awaited<ReturnType<typeof exporterSinistralite>>;

  beforeAll(async () => {
    // page of 2 rows: several FETCHes of the cursor
    resCsv = await exporterSinistralite(db, { annee: fx.annee, par, format: 'csv', outDir: dir, page: 2 });
    const resJson = await exporterSinistralite(db, { annee: fx.annee, par, format: 'json', outDir: dir, page: 2 });
    csv = lireCsv(resCsv.chemin);
    json = lireJson(resJson.chemin);
  });

  it('writes to <outDir>/statistiques/sinistralite-<annee>-<par>.<ext>, one row per cell, in key order', () => {
    expect(resCsv.chemin).toBe(join(dir, 'statistiques', `sinistralite-${fx.annee}-${par}.csv`));
    expect(existsSync(`${resCsv.chemin}.partiel`)).toBe(false);
    const cle = colonnes(par)[0];
    expect(csv.rows.map((r) => r[cle])).toEqual(fx.attendu[par].map((a) => a.cle));
    expect(resCsv.lignes).toBe(fx.attendu[par].length);
    expect(resCsv.secretes).toBe(fx.attendu[par].filter((a) => a.secret).length);
    expect(Object.keys(csv.rows[0])).toEqual(colonnes(par));
  });

  it('matches the hand computations', () => {
    const cle = colonnes(par)[0];
    for (const a of fx.attendu[par]) {
      const row = csv.rows.find((r) => r[cle] === a.cle)!;
      if (a.ctn) expect(row.ctn, a.cle).toBe(a.ctn);
      if (a.chiffres) {
        expect(row.secret, a.cle).toBe('non');
        expect(row.motif_secret).toBe('');
        for (const [k, v] of Object.entries(a.chiffres)) expect(`${a.cle} ${k} = ${row[k]}`).toBe(`${a.cle} ${k} = ${v}`);
      }
    }
  });

  it('withholds the cells under statistical secrecy: row kept, flag and motif, every figure emptied', () => {
    const cle = colonnes(par)[0];
    for (const a of fx.attendu[par].filter((x) => x.secret)) {
      const row = csv.rows.find((r) => r[cle] === a.cle)!;
      expect(row.secret, a.cle).toBe('oui');
      expect(row.motif_secret, a.cle).toBe(a.secret);
      for (const c of COLONNES_CHIFFRES) expect(row[c], `${a.cle} ${c}`).toBe('');
      const j = json.lignes.find((l) => l[cle] === a.cle)!;
      expect(j.secret).toBe(true);
      for (const c of COLONNES_CHIFFRES) expect(j[c]).toBeNull();
    }
  });

  it('states the rule and what is out of scope in the header; CSV and JSON agree', () => {
    expect(csv.commentaires.some((l) => /moins de 3 entreprises/.test(l) && /85 %/.test(l))).toBe(true);
    // comment lines hold no separator: a spreadsheet keeps each in one cell
    for (const l of csv.commentaires) expect(l.includes(','), l).toBe(false);
    expect(json.metadata.secret_statistique).toMatchObject({ seuil_entreprises: 3, seuil_dominance: '0.85' });
    expect(json.metadata.hors_champ).toMatchObject(fx.hors_champ);
    expect(json.metadata.colonnes).toEqual(colonnes(par));
    expect(json.lignes.length).toBe(csv.rows.length);
    json.lignes.forEach((l, i) => {
      const c = csv.rows[i];
      for (const k of colonnes(par)) {
        const v = l[k];
        expect(`${k}: ${v === null ? '' : typeof v === 'boolean' ? (v ? 'oui' : 'non') : v}`).toBe(`${k}: ${c[k]}`);
      }
    });
  });
});

describe('French spreadsheet CSV', () => {
  it('--fr: `;` separator and decimal comma (code risque keys keep their dot); --bom: UTF-8 BOM', async () => {
    const out = join(dir, 'fr', 'ctn.csv');
    const r = await exporterSinistralite(db, { annee: fx.annee, par: 'code-risque', format: 'csv', fr: true, bom: true, out, outDir: dir });
    expect(r.chemin).toBe(out);
    const { bom, commentaires, rows } = lireCsv(out, ';');
    expect(bom).toBe(true);
    // comment lines hold no separator: a spreadsheet keeps each in one cell
    for (const l of commentaires) expect(l.includes(';'), l).toBe(false);
    const b = rows.find((x) => x.code_risque === '45.1AA')!;
    expect(b).toMatchObject({ effectif: '30,00', indice_frequence: '133,33', taux_gravite: '1,09', masse_salariale: '1080000' });
    expect(rows.map((x) => x.code_risque)).toContain('27.1ZF');
  });

  it('a year without data gives an empty table with its header', async () => {
    const r = await exporterSinistralite(db, { annee: 2019, par: 'ctn', format: 'json', outDir: dir });
    const j = lireJson(r.chemin);
    expect(j.lignes).toEqual([]);
    expect(j.metadata.annee).toBe(2019);
  });
});
