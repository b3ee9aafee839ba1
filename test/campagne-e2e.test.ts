/**
 * An end-to-end campaign on a small region (test/cases-campagne/*.yaml): référentiel and sinistres imported
 * through their pipelines, DSN facts as the ingestion stores them, then `campagne run`; every rate is compared
 * with the value computed by hand in the data file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tempDir } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { importerFixtureCampagne, lireFixtureCampagne } from './helpers/campagne-2020.ts';
import { lancerCampagne } from '../pipelines/campagne/run.ts';
import { ecrireRapport } from '../pipelines/rapport/rapport.ts';

const fx = lireFixtureCampagne();
let db: TestDb;
let resume: Awaited<ReturnType<typeof lancerCampagne>>;

beforeAll(async () => {
  db = await testDb();
  const rejets = await importerFixtureCampagne(db, fx);
  expect(rejets).toEqual({ rejetsReferentiel: [], rejetsSinistres: [] });
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
    // each rate year's start and end dates, from the barème's validity
    expect(texte).toContain('taux 2020 applicables du 1er janvier 2020 au 31 décembre 2020 ; taux 2019 : du 1er janvier 2019 au 31 décembre 2019');
    expect((texte.match(/<svg /g) ?? []).length).toBe(5);
    // the region's indice de fréquence against the nation's, per CTN (no national table loaded here: said so)
    expect(texte).toContain('Indice de fréquence des AT par CTN (AT pour 1 000 salariés) : région 2018, nation —');
    expect(texte).toContain('aucune table nationale chargée');
    // nothing fetched from the network: the only URL is the SVG namespace
    expect(texte.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:\/\//);
    // the largest change of the fixture: 6.00 → 4.80 (−1,20), then 5.00 → 6.25 (+1,25)
    expect(texte).toMatch(/30000000700017[\s\S]*?−1,20/);
    expect(texte).toMatch(/60000000400017[\s\S]*?\+1,25/);
  });
});
