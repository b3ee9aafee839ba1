/**
 * The 2027 campaign before its arrêté: `campagne run --annee 2027 --provisoire` rates on the latest published
 * barème that can rate, every output says "provisoire", validation and notification refuse it; once the 2027
 * barème is imported, `campagne run --annee 2027` works and replaces it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers/cli.ts';
import { backend, testDb, type TestDb } from './helpers/db.ts';
import { genererRegion } from './helpers/region.ts';
import { openDb } from '../lib/db.ts';
import { loadConfig } from '../lib/config.ts';
import { lancerCampagne, refuserNotificationsProvisoires, validerCampagne } from '../pipelines/campagne/run.ts';
import { ecrireRapport } from '../pipelines/rapport/rapport.ts';
import { importerBareme } from '../pipelines/bareme/import.ts';
import { avecCleLuhn } from '../lib/siret.ts';
import { CTNS, categoriesAttendues, type TableCouts } from '../rules/bareme.ts';

const ANNEE = 2027;
let db: TestDb;
let env: Record<string, string>;
/** reopens the database after the CLI children used it (PGlite: one process at a time) */
async function rouvrir() {
  const { url, drop } = db;
  const d = await openDb({ config: { ...loadConfig(), ...(url ? { databaseUrl: url } : { databaseUrl: undefined, dataDir: env.ATMP_DATA_DIR }) } });
  db = Object.assign(d, { url, drop: url ? drop : () => d.close() });
}
beforeAll(async () => {
  if (backend === 'postgres') {
    db = await testDb();
    env = { DATABASE_URL: db.url! };
  } else {
    const dataDir = join(tempDir(), 'db');
    const d = await openDb({ config: { ...loadConfig(), databaseUrl: undefined, dataDir } });
    db = Object.assign(d, { drop: () => d.close() });
    env = { DATABASE_URL: '', ATMP_DATA_DIR: dataDir };
  }
  await genererRegion(db.knex, { entreprises: 25, annee: ANNEE });
});
afterAll(async () => db?.drop());

describe('campagne 2027 before its arrêté', () => {
  it('a real run without the 2027 barème is refused, pointing to --provisoire', async () => {
    await expect(lancerCampagne(db, { annee: ANNEE })).rejects.toThrow(/taux collectifs 2027 non chargés .*--provisoire/);
  });

  it('--provisoire rates on the latest barème that can rate, named, and marks every rate', async () => {
    const r = await lancerCampagne(db, { annee: ANNEE, provisoire: true });
    expect(r.statut).toBe('calculee');
    expect(r.provisoire).toBe(true);
    const anneeBareme = r.bareme_annee as number;
    expect([2025, 2026]).toContain(anneeBareme);
    if (anneeBareme === 2025) expect(r.baremes_ecartes).toEqual([expect.stringMatching(/^2026 : coûts moyens d'aucun CTN complets/)]);
    expect(r.calculees).toBeGreaterThan(0);
    const c = await db.knex('campagne').where({ annee: ANNEE }).first();
    expect(c).toMatchObject({ provisoire: true, bareme_annee: anneeBareme });
    const lignes = await db.knex('campagne_taux').where({ annee: ANNEE, statut: 'calcule' });
    for (const l of lignes) expect(l.explication[0]).toMatchObject({ id: 'bareme_provisoire', valeur: 'provisoire' });
    // the collective rates are those of the barème used; the reference years those of 2027 (2023–2025)
    const collectif = lignes.find((l) => l.mode === 'collectif');
    if (collectif) {
      const tc = await db.knex('bareme_taux_collectif').where({ annee: anneeBareme, code_risque: collectif.code_risque, zone: 'general' }).first();
      if (tc) expect(Number(collectif.taux_collectif)).toBe(Number(tc.taux_net));
    }
    const individuel = lignes.find((l) => l.mode !== 'collectif');
    if (individuel) expect(JSON.stringify(individuel.explication)).toMatch(/2023/);
  });

  it('says "provisoire" in the summary, the report and `etablissement`; valider and notifications refuse it', async () => {
    await expect(validerCampagne(db, ANNEE, 'agent')).rejects.toThrow(/campagne 2027 provisoire .* ne peut être validée/);
    await expect(refuserNotificationsProvisoires(db.knex, ANNEE)).rejects.toThrow(/campagne 2027 provisoire .* ne peut être notifiée/);
    const out = tempDir();
    const rapport = await ecrireRapport(db.knex, ANNEE, out);
    expect(readFileSync(rapport.html, 'utf8')).toMatch(/campagne PROVISOIRE calculée sur le barème 202[56]/);
    // the generated region's SIRETs carry no Luhn key, which `atmp etablissement` checks: one row renamed
    const siret = avecCleLuhn('9999999900001');
    const une = await db.knex('campagne_taux').where({ annee: ANNEE, statut: 'calcule' }).first();
    await db.knex('campagne_taux').where({ annee: ANNEE, siret: une.siret, code_risque: une.code_risque }).update({ siret });
    await db.close();
    try {
      const show = await runCli(['campagne', 'show', '--annee', String(ANNEE)], env);
      expect(show.stdout).toMatch(/Campagne 2027 : calculee PROVISOIRE \(barème 202[56]/);
      const etab = await runCli(['etablissement', siret], env);
      expect(etab.stdout, etab.stderr).toMatch(/campagne 2027 \(provisoire, PROVISOIRE : barème 202[56]\) .* % \((collectif|mixte|individuel)\) provisoire/);
      const send = await runCli(['notifications', 'send', '--annee', String(ANNEE)], env);
      expect(send.code).not.toBe(0);
      expect(send.stderr).toMatch(/provisoire .* ne peut être notifiée/);
    } finally {
      await rouvrir();
    }
  });

  it('once the 2027 barème is imported, `campagne run --annee 2027` works and replaces the provisional campaign', async () => {
    const dir = tempDir();
    // a 2027 barème for the test: the 2025 values (the 2024 ones, or 1 000 €, where 2025 has none)
    const taux = await db.knex('bareme_taux_collectif').where({ annee: 2025, zone: 'general' }).select('code_risque', 'taux_net');
    writeFileSync(join(dir, 'annexe1.csv'), 'code_risque;taux_net\n' + taux.map((t) => `${t.code_risque};${t.taux_net}`).join('\n') + '\n');
    const maj = await db.knex('bareme_majorations').where({ annee: 2025 }).first();
    writeFileSync(join(dir, 'majorations.csv'), `m1;m2;m3;m4;tnmn\n${maj.m1};${maj.m2};${maj.m3};${maj.m4};${maj.tnmn}\n`);
    const couts = await db.knex('bareme_cout_moyen').whereIn('annee', [2024, 2025]).orderBy('annee', 'desc').select('annee', 'ctn', 'categorie', 'montant');
    const lignes: string[] = [];
    for (const t of [...CTNS, 'B-AM'] as TableCouts[]) {
      for (const cat of categoriesAttendues(t)) lignes.push(`${t};${cat};${couts.find((c) => c.ctn === t && c.categorie === cat)?.montant ?? '1000'}`);
    }
    writeFileSync(join(dir, 'annexe2.csv'), 'ctn;categorie;montant\n' + lignes.join('\n') + '\n');
    for (const f of ['annexe1.csv', 'majorations.csv', 'annexe2.csv']) await importerBareme(db, { annee: ANNEE, fichier: join(dir, f), source: 'annexes 2027 de test' });

    await expect(lancerCampagne(db, { annee: ANNEE, provisoire: true })).rejects.toThrow(/barème 2027 chargé : lancez la campagne réelle/);
    const r = await lancerCampagne(db, { annee: ANNEE });
    expect(r.statut).toBe('calculee');
    expect(r.provisoire).toBeUndefined();
    expect(r.deja_calculee).toBeUndefined();
    expect(r.erreurs).toBe(0);
    expect(await db.knex('campagne').where({ annee: ANNEE }).first()).toMatchObject({ provisoire: false, bareme_annee: ANNEE });
    const lignesTaux = await db.knex('campagne_taux').where({ annee: ANNEE });
    expect(lignesTaux.length).toBe(r.sections);
    expect(lignesTaux.every((l) => l.explication?.[0]?.id !== 'bareme_provisoire')).toBe(true);
    await validerCampagne(db, ANNEE, 'agent');
    await refuserNotificationsProvisoires(db.knex, ANNEE);
  });
});
