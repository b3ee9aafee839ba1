/**
 * A campaign never rates half-loaded data and never freezes rates whose inputs changed: ingestions and campaign
 * runs exclude each other through the data lock (the refusal names the holder), a dry run takes the campaign's
 * lock as a real run does and goes through the real write path inside its rolled-back transaction, and
 * `campagne valider` refuses when the data changed since the computation, naming the establishments.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { runCli, tempDir } from './helpers/cli.ts';
import { backend, testDb, type TestDb } from './helpers/db.ts';
import { genererRegion } from './helpers/region.ts';
import { importerFixtureCampagne, lireFixtureCampagne } from './helpers/campagne-2020.ts';
import { openDb } from '../lib/db.ts';
import { loadConfig } from '../lib/config.ts';
import { lancerCampagne, validerCampagne } from '../pipelines/campagne/run.ts';
import { avecVerrouDonnees, verrouillerDonnees } from '../jobs/verrou-donnees.ts';
import { texteDsn } from '../pipelines/ingest-dsn/synthetique.ts';

const ANNEE = 2024;
const ouverts: TestDb[] = [];
afterAll(async () => {
  for (const db of ouverts) await db.drop().catch(() => {});
});
async function base(entreprises = 30): Promise<TestDb> {
  const db = await testDb();
  ouverts.push(db);
  await genererRegion(db.knex, { entreprises, annee: ANNEE });
  return db;
}

describe('the data lock: ingestions and campaign runs never interleave', () => {
  it('a campaign is refused while an ingestion holds the data, naming it', async () => {
    const db = await base();
    const liberer = await verrouillerDonnees(db, 'ingest dsn', 'exclusif');
    try {
      await expect(lancerCampagne(db, { annee: ANNEE })).rejects.toThrow(/campagne run --annee 2024 refusé .*« atmp ingest dsn » \(processus \d+/);
      await expect(lancerCampagne(db, { annee: ANNEE, dryRun: true })).rejects.toThrow(/ingest dsn/);
      expect(await db.knex('campagne_taux').count({ n: '*' }).first()).toEqual({ n: 0 });
    } finally {
      await liberer();
    }
    expect((await lancerCampagne(db, { annee: ANNEE })).statut).toBe('calculee');
  });

  it('an ingestion is refused while a campaign runs, naming it; it goes through once the campaign ends', async () => {
    const db = await base();
    let refus: unknown;
    await lancerCampagne(db, {
      annee: ANNEE, lot: 5,
      apresLot: async (n) => {
        if (n === 1) refus = await avecVerrouDonnees(db, 'ingest sinistres', 'exclusif', async () => 'chargé').catch((e) => e);
      },
    });
    expect(String((refus as Error)?.message)).toMatch(/ingest sinistres refusé .*« atmp campagne run --annee 2024 »/);
    expect((refus as { exitCode?: number }).exitCode).toBe(75);
    expect(await avecVerrouDonnees(db, 'ingest sinistres', 'exclusif', async () => 'chargé')).toBe('chargé');
    // the holders' table is empty again
    expect(await db.knex('verrou_donnees').select('commande')).toEqual([]);
  });

  it('waits for the lock when ATMP_ATTENTE_VERROU_S allows it', async () => {
    const db = await base(5);
    const liberer = await verrouillerDonnees(db, 'ingest dsn', 'exclusif');
    setTimeout(() => void liberer(), 300);
    const debut = Date.now();
    const l2 = await verrouillerDonnees(db, 'campagne run --annee 2024', 'partage', 5);
    expect(Date.now() - debut).toBeGreaterThanOrEqual(250);
    await l2();
  });

  it('a dry run and a real run of the same year refuse each other instead of deadlocking', async () => {
    const db = await base();
    let refus: unknown;
    const r = await lancerCampagne(db, {
      annee: ANNEE, lot: 5,
      apresLot: async (n) => {
        if (n === 1) refus = await lancerCampagne(db, { annee: ANNEE, dryRun: true }).catch((e) => e);
      },
    });
    expect(r.statut).toBe('calculee');
    expect(String((refus as Error)?.message)).toMatch(/atmp:campagne:2024 est déjà en cours/);
  });

  it('a dry run writes through the real path, then rolls everything back', async () => {
    const db = await base();
    const dry = await lancerCampagne(db, { annee: ANNEE, dryRun: true, lot: 7 });
    expect(await db.knex('campagne_taux').count({ n: '*' }).first()).toEqual({ n: 0 });
    expect(await db.knex('campagne').count({ n: '*' }).first()).toEqual({ n: 0 });
    const reel = await lancerCampagne(db, { annee: ANNEE, lot: 7 });
    const { statut: _a, ...d } = dry;
    const { statut: _b, reprise: _c, ...r } = reel;
    expect(d).toEqual(r);
    // a dry run over a computed campaign leaves its rows as they were
    const avant = await db.knex('campagne_taux').orderBy(['siret', 'code_risque']).select('siret', 'taux_notifie', 'calcule_le');
    await lancerCampagne(db, { annee: ANNEE, dryRun: true, lot: 7 });
    expect(await db.knex('campagne_taux').orderBy(['siret', 'code_risque']).select('siret', 'taux_notifie', 'calcule_le')).toEqual(avant);
    expect((await db.knex('campagne').where({ annee: ANNEE }).first()).statut).toBe('calculee');
  });
});

describe('campagne valider re-checks the inputs of every section', () => {
  const fx = lireFixtureCampagne();

  it('refuses after a change of claims or référentiel, naming the establishments, until --recalculer', async () => {
    const db = await testDb();
    ouverts.push(db);
    await importerFixtureCampagne(db, fx);
    await lancerCampagne(db, { annee: fx.annee });
    // a claim's days changed in a later extract (as a new version would), and a section removed
    await db.knex('sinistre_version').where({ sinistre_id: 'S6' }).update({ jours_arret: 200, categorie_it: 'IT6' });
    await db.knex('etablissement_section').where({ siret: '40000000600017', code_risque: '00.00B' }).del();
    const refus = await validerCampagne(db, fx.annee, 'agent').catch((e) => e as Error);
    expect(refus).toBeInstanceOf(Error);
    expect(refus.message).toMatch(/campagne 2020 non validée .* 2 établissement\(s\)/);
    expect(refus.message).toMatch(/30000000700017 52\.1BC : données modifiées/);
    expect(refus.message).toMatch(/40000000600017 00\.00B : section disparue/);
    expect(refus.message).toMatch(/--recalculer/);
    expect((await db.knex('campagne').where({ annee: fx.annee }).first()).statut).toBe('calculee');

    await lancerCampagne(db, { annee: fx.annee, recalculer: true });
    await validerCampagne(db, fx.annee, 'agent');
    expect((await db.knex('campagne').where({ annee: fx.annee }).first()).statut).toBe('validee');
  });

  it('real parts: a DSN file ingested after `campagne run` makes `campagne valider` refuse, naming the establishment', async () => {
    let env: Record<string, string>;
    let db: TestDb;
    if (backend === 'postgres') {
      db = await testDb();
      ouverts.push(db);
      env = { DATABASE_URL: db.url! };
    } else {
      const dataDir = join(tempDir(), 'db');
      const d = await openDb({ config: { ...loadConfig(), databaseUrl: undefined, dataDir } });
      db = Object.assign(d, { drop: () => d.close() });
      env = { DATABASE_URL: '', ATMP_DATA_DIR: dataDir };
    }
    await importerFixtureCampagne(db, fx);
    await db.close();
    const run = await runCli(['campagne', 'run', '--annee', String(fx.annee)], { ...env, ATMP_QUIET: '1' });
    expect(run.code, run.stderr).toBe(0);

    // June 2018 of the Strasbourg steelworks (siret 60000000400017), declared late
    const fichier = join(tempDir(), 'acierie-062018.dsn');
    writeFileSync(fichier, iconv.encode(texteDsn([{ declarations: [{
      siren: '600000004', nic: '00017', mois: '062018',
      individus: [{ contrats: [{ debut: '01012010', codeRisque: '271ZF' }], bases: [{ debut: '01062018', montant: '45000.00' }] }],
    }] }]), 'win1252'));
    const ingest = await runCli(['ingest', 'dsn', fichier], { ...env, ATMP_DSN_LECTEURS: '0' });
    expect(ingest.code, ingest.stderr + ingest.stdout).toBe(0);

    const valider = await runCli(['campagne', 'valider', '--annee', String(fx.annee)], env);
    expect(valider.code).not.toBe(0);
    expect(valider.stderr).toMatch(/non validée/);
    expect(valider.stderr).toMatch(/60000000400017 27\.1ZF : données modifiées/);
    expect(valider.stderr).toContain('acierie-062018.dsn');
    expect(valider.stderr).not.toMatch(/20000000800017/);

    const recalcul = await runCli(['campagne', 'run', '--annee', String(fx.annee), '--recalculer'], { ...env, ATMP_QUIET: '1' });
    expect(recalcul.code, recalcul.stderr).toBe(0);
    const ok = await runCli(['campagne', 'valider', '--annee', String(fx.annee)], env);
    expect(ok.code, ok.stderr).toBe(0);
  });
});

