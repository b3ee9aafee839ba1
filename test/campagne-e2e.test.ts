/**
 * An end-to-end campaign on a small region (test/cases-campagne/*.yaml): référentiel and sinistres imported
 * through their pipelines, DSN facts as the ingestion stores them, then `campagne run`; every rate is compared
 * with the value computed by hand in the data file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, tempDir } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { insererFaits, type FaitsEtablissement } from './helpers/faits.ts';
import { importerBareme } from '../pipelines/bareme/import.ts';
import { importerReferentiel } from '../pipelines/ingest-referentiel/import.ts';
import { importerSinistres } from '../pipelines/ingest-sinistres/import.ts';
import { lancerCampagne } from '../pipelines/campagne/run.ts';
import { ecrireRapport } from '../pipelines/rapport/rapport.ts';

interface Fixture {
  annee: number;
  annexe_alsace_moselle?: string;
  entreprises: string;
  etablissements: string;
  taux_notifies: string;
  sinistres: string;
  faits: Record<string, FaitsEtablissement>;
  attendu: { siret: string; code_risque: string; mode: string; taux_notifie: string; taux_calcule?: string; ecretement?: string; calcul: string }[];
}

const fx = parse(readFileSync(join(ROOT, 'test', 'cases-campagne', 'campagne-2020.yaml'), 'utf8')) as Fixture;
let db: TestDb;
let resume: Awaited<ReturnType<typeof lancerCampagne>>;

beforeAll(async () => {
  db = await testDb();
  const dir = tempDir();
  const ecrire = (nom: string, contenu: string) => {
    const p = join(dir, nom);
    writeFileSync(p, contenu);
    return p;
  };
  if (fx.annexe_alsace_moselle) await importerBareme(db, { annee: fx.annee, fichier: ecrire('annexe3.csv', fx.annexe_alsace_moselle), source: 'annexe 3 de test' });
  const ref = await importerReferentiel(db.knex, [ecrire('entreprises.csv', fx.entreprises), ecrire('etablissements.csv', fx.etablissements), ecrire('taux.csv', fx.taux_notifies)], { annee: fx.annee });
  expect(ref.rejetes.map((e) => e.message)).toEqual([]);
  const sin = await importerSinistres(db.knex, [ecrire('sinistres.csv', fx.sinistres)], { partiel: false, outDir: dir });
  expect(sin.flatMap((r) => r.rejets)).toEqual([]);
  await insererFaits(db.knex, fx.annee, fx.faits);
  resume = await lancerCampagne(db, { annee: fx.annee, lot: 2 });
});
afterAll(async () => db?.drop());

describe(`campagne ${fx.annee} on a hand-computed region`, () => {
  it('rates every section, without error', () => {
    expect(resume.erreurs).toBe(0);
    expect(resume.sections).toBe(fx.attendu.length);
  });

  it.each(fx.attendu)('$siret $code_risque: $mode, $taux_notifie', async (a) => {
    const row = await db.knex('campagne_taux').where({ annee: fx.annee, siret: a.siret, code_risque: a.code_risque }).first();
    expect(row, `${a.siret} ${a.code_risque} not rated`).toBeDefined();
    expect(row.statut).toBe('calcule');
    expect(row.mode).toBe(a.mode);
    expect(row.taux_notifie).toBe(a.taux_notifie);
    if (a.taux_calcule) expect(row.taux_calcule).toBe(a.taux_calcule);
    expect(row.ecretement ?? undefined).toBe(a.ecretement);
    const etapes = row.explication as { id: string; valeur: string }[];
    expect(etapes.at(-1)).toMatchObject({ id: 'taux_notifie', valeur: a.taux_notifie });
  });

  it('summarises modes, écrêtements and variations', () => {
    expect(resume.par_mode).toEqual({ individuel: 4, mixte: 1, collectif: 4 });
    expect(resume.ecretements).toEqual({ hausse: 1, baisse: 3 });
  });

  it('writes a self-contained HTML report with its charts, largest changes and data-quality findings', async () => {
    const out = tempDir();
    const { html, pdf } = await ecrireRapport(db.knex, fx.annee, out, '2026-11-24');
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const pdftotext = spawnSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    if (!pdftotext.error) {
      expect(pdftotext.stdout).toContain('Campagne de tarification AT/MP 2020');
      expect(pdftotext.stdout).toContain('30000000700017');
    }
    const texte = readFileSync(html, 'utf8');
    expect(texte).toContain('Campagne de tarification AT/MP 2020');
    expect(texte).toContain('24 novembre 2026');
    expect((texte.match(/<svg /g) ?? []).length).toBe(4);
    // nothing fetched from the network: the only URL is the SVG namespace
    expect(texte.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:\/\//);
    // the largest change of the fixture: 6.00 → 4.80 (−1,20), then 5.00 → 6.25 (+1,25)
    expect(texte).toMatch(/30000000700017[\s\S]*?−1,20/);
    expect(texte).toMatch(/60000000400017[\s\S]*?\+1,25/);
  });
});
