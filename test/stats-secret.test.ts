/**
 * The statistical secrecy rule at its boundaries (docs/statistiques.md): fewer than 3 companies, one
 * company above 85 % of the effectif, the hours or the masse salariale (strictly above: exactly 85 % is published),
 * several establishments of one company counting as one company.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { tempDir } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { avecCleLuhn } from '../lib/siret.ts';
import { insererFaitsStatistiques } from './fixtures/statistiques/charger.ts';
import { exporterSinistralite } from '../pipelines/statistiques/sinistralite.ts';

let db: TestDb;
let dir: string;

// cell (code risque) → companies, each [effectif, heures, masse] per month, one establishment unless `etabs`
const CELLULES: Record<string, { entreprises: [string, string, string][]; etabs?: number; attendu: string | null }> = {
  // 85 / 10 / 5 on every magnitude: exactly 85 %, not withheld by the primary rule; but it is the only other code
  // risque of CTN A beside the withheld 28.5DA, and the CTN table is published: withheld for secondary secrecy
  '27.1ZF': { entreprises: [['85', '850', '8500'], ['10', '100', '1000'], ['5', '50', '500']], attendu: 'secondaire' },
  // 86 % of the effectif only
  '28.5DA': { entreprises: [['86', '300', '3000'], ['9', '300', '3000'], ['5', '400', '4000']], attendu: 'dominance' },
  // balanced effectif and hours, 90 % of the masse salariale
  '52.1BC': { entreprises: [['10', '100', '9000'], ['10', '100', '500'], ['10', '100', '500']], attendu: 'dominance' },
  // 90 % of the hours
  '45.1AA': { entreprises: [['10', '900', '1000'], ['10', '50', '1000'], ['10', '50', '1000']], attendu: 'dominance' },
  // two companies, the first with three establishments: 4 SIRETs but 2 SIRENs
  '74.5BD': { entreprises: [['10', '100', '1000'], ['10', '100', '1000']], etabs: 3, attendu: 'seuil' },
};

beforeAll(async () => {
  db = await testDb();
  dir = tempDir('atmp-stats-secret-');
  let n = 0;
  const faits = [];
  for (const [code, c] of Object.entries(CELLULES)) {
    for (const [i, [effectif, heures, masse]] of c.entreprises.entries()) {
      const siren = avecCleLuhn(String(20000000 + ++n));
      for (let k = 1; k <= (i === 0 && c.etabs ? c.etabs : 1); k++) {
        const siret = avecCleLuhn(siren + String(k).padStart(4, '0'));
        await db.knex('etablissement').insert({ siret, siren, origine: 'referentiel' });
        await db.knex('etablissement_section').insert({ siret, siren, code_risque: code, section: 'principale', origine: 'referentiel' });
        faits.push({ siret, annee: 2025, apet: '0000Z', codes: [code.replace('.', '')], effectif, heures, masse });
      }
    }
  }
  await insererFaitsStatistiques(db.knex, faits);
});
afterAll(async () => db?.drop());

describe('statistical secrecy', () => {
  it('withholds by threshold and by dominance on effectif, hours or masse salariale', async () => {
    const r = await exporterSinistralite(db, { annee: 2025, par: 'code-risque', format: 'json', outDir: dir });
    const j = JSON.parse(readFileSync(r.chemin, 'utf8')) as { lignes: Record<string, string | boolean | null>[] };
    const motifs = Object.fromEntries(j.lignes.map((l) => [l.code_risque, l.motif_secret]));
    expect(motifs).toEqual(Object.fromEntries(Object.entries(CELLULES).map(([k, c]) => [k, c.attendu])));
    const g = await db.knex('stat_sinistralite_groupe').where({ annee: 2025, par: 'code-risque', cle: '27.1ZF' }).first();
    expect(g).toMatchObject({ secret: false, motif_secret: null, effectif_mois_cumule: '1200', heures: '12000', masse_salariale: '120000' });
    expect([Number(g.nb_entreprises), Number(g.nb_etablissements)]).toEqual([3, 3]);
    expect(r.secretes).toBe(5);
    expect(r.secondaires).toBe(1);
  });

  it('the view stat_sinistralite_groupe gives the largest shares a statistician can check', async () => {
    const g = await db.knex('stat_sinistralite_groupe').where({ annee: 2025, par: 'code-risque', cle: '28.5DA' }).first();
    expect(g.part_max_effectif).toMatch(/^0\.86/);
    expect(g.secret).toBe(true);
    const naf = await db.knex('stat_sinistralite_groupe').where({ annee: 2025, par: 'naf5', cle: '0000Z' }).first();
    expect(Number(naf.nb_entreprises)).toBe(14);
    expect(naf.secret).toBe(false);
  });
});
