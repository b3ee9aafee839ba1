/**
 * The campaign never runs twice and always resumes: a real `kill -9` in the middle of `atmp campagne run`, then
 * the same command again, gives exactly the rows of an uninterrupted run; a second concurrent run is refused;
 * a validated campaign is frozen.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BIN, ROOT, runCli, tempDir } from './helpers/cli.ts';
import { backend, testDb, type TestDb } from './helpers/db.ts';
import { genererRegion } from './helpers/region.ts';
import { openDb } from '../lib/db.ts';
import { loadConfig } from '../lib/config.ts';
import { lancerCampagne, validerCampagne } from '../pipelines/campagne/run.ts';

const ANNEE = 2024;
const COLONNES = 'siret, code_risque, decision, statut, mode, effectif, taux_collectif, masse_salariale, valeur_du_risque, taux_brut, taux_net_individuel, fraction, taux_calcule, taux_precedent, plancher, plafond, ecretement, taux_notifie, explication, entrees_empreinte, bareme_empreinte';

/** A database the CLI child processes can share: a throw-away PostgreSQL database, or a PGlite data folder. */
async function baseCli(entreprises: number): Promise<{ env: Record<string, string>; open: () => Promise<TestDb> }> {
  if (backend === 'postgres') {
    const db = await testDb();
    await genererRegion(db.knex, { entreprises, annee: ANNEE });
    await db.close();
    const reopen = async () => {
      const d = await openDb({ config: { ...loadConfig(), databaseUrl: db.url } });
      return Object.assign(d, { url: db.url, drop: db.drop });
    };
    return { env: { DATABASE_URL: db.url! }, open: reopen };
  }
  const dataDir = join(tempDir(), 'db');
  const config = { ...loadConfig(), databaseUrl: undefined, dataDir };
  const db = await openDb({ config });
  await genererRegion(db.knex, { entreprises, annee: ANNEE });
  await db.close();
  const reopen = async () => {
    const d = await openDb({ config });
    return Object.assign(d, { drop: () => d.close() });
  };
  return { env: { DATABASE_URL: '', ATMP_DATA_DIR: dataDir }, open: reopen };
}

const lignes = async (db: TestDb) => (await db.knex.raw(`select ${COLONNES} from campagne_taux where annee = ? order by siret, code_risque, decision`, [ANNEE])).rows;

/** Starts `atmp campagne run` and kills it with SIGKILL once it has committed `apres` batches. */
function lancerPuisTuer(env: Record<string, string>, apres: number): Promise<{ tue: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'campagne', 'run', '--annee', String(ANNEE), '--lot', '3'], {
      cwd: ROOT, env: { ...process.env, ...env, ATMP_PROGRESS_INTERVAL_MS: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let tue = false;
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = [...stderr.matchAll(/campagne \d+ : (\d+)\/(\d+)/g)].at(-1);
      if (!tue && m && Number(m[1]) >= apres * 3 && Number(m[1]) < Number(m[2])) {
        tue = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', () => resolve({ tue, stderr }));
  });
}

describe('atmp campagne run: kill -9 and resume', () => {
  it('a run killed in the middle is resumed by the same command, with the rows of an uninterrupted run', async () => {
    // reference: an uninterrupted run on its own database
    const ref = await testDb();
    await genererRegion(ref.knex, { entreprises: 300, annee: ANNEE });
    await lancerCampagne(ref, { annee: ANNEE, lot: 3 });
    const attendu = await lignes(ref);
    await ref.drop();
    expect(attendu.length).toBeGreaterThan(150);

    const { env, open } = await baseCli(300);
    const tue = await lancerPuisTuer(env, 5);
    expect(tue.tue, `the run was not killed mid-way:\n${tue.stderr}`).toBe(true);

    let db = await open();
    const enCours = await db.knex('job_run').where({ job: 'campagne', periode: String(ANNEE) }).first();
    expect(enCours.statut).toBe('en_cours');
    expect(enCours.checkpoint.siren > '').toBe(true);
    const partielles = (await db.knex('campagne_taux').count({ n: '*' }).first())!.n;
    expect(Number(partielles)).toBeGreaterThan(0);
    expect(Number(partielles)).toBeLessThan(attendu.length);
    await db.close();

    const reprise = await runCli(['campagne', 'run', '--annee', String(ANNEE), '--lot', '3', '--json'], env);
    expect(reprise.code, reprise.stderr).toBe(0);
    expect(JSON.parse(reprise.stdout)).toMatchObject({ statut: 'calculee', reprise: true, erreurs: 0 });

    db = await open();
    expect(await lignes(db)).toEqual(attendu);
    const doublons = await db.knex.raw('select siret, code_risque, count(*) n from campagne_taux group by 1, 2 having count(*) > 1');
    expect(doublons.rows).toEqual([]);
    expect((await db.knex('job_run').where({ job: 'campagne' }).first()).statut).toBe('termine');
    await db.drop();
  }, 180_000); // two databases and three real processes: about 20 s alone, several times that when the machine is busy

  it('refuses a second concurrent run with a clear message', async () => {
    // enough companies, one per batch, for the first run to be still running when the second starts
    const { env, open } = await baseCli(600);
    const first = spawn(process.execPath, [BIN, 'campagne', 'run', '--annee', String(ANNEE), '--lot', '1'], {
      cwd: ROOT, env: { ...process.env, ...env, ATMP_PROGRESS_INTERVAL_MS: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const fin = new Promise<number | null>((r) => first.on('close', r));
    await new Promise<void>((resolve, reject) => {
      let err = '';
      first.stderr.on('data', (d) => {
        err += d;
        if (/campagne \d+ : [1-9]\d*\//.test(err)) resolve();
      });
      first.on('close', (code) => reject(new Error(`the first run ended (${code}) before the second started:\n${err}`)));
    });
    const second = await runCli(['campagne', 'run', '--annee', String(ANNEE)], env);
    first.kill('SIGKILL');
    const codePremier = await fin;
    expect(codePremier, 'the first run was still running when the second one was refused').toBeNull();
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(/déjà en cours|en cours d'utilisation|in use|utilis/);
    const db = await open();
    await db.drop();
  });
});

describe('validated campaign', () => {
  it('is frozen: no rerun, no update, no delete; a correction is a new decision', async () => {
    const db = await testDb();
    await genererRegion(db.knex, { entreprises: 20, annee: ANNEE });
    const dry = await lancerCampagne(db, { annee: ANNEE, dryRun: true });
    expect(dry.sections).toBeGreaterThan(20);
    expect(await db.knex('campagne_taux').count({ n: '*' }).first()).toEqual({ n: 0 });

    const r = await lancerCampagne(db, { annee: ANNEE });
    expect(r.erreurs).toBe(0);
    const again = await lancerCampagne(db, { annee: ANNEE });
    expect(again.deja_calculee).toBe(true);
    await validerCampagne(db, ANNEE, 'agent-test');

    await expect(lancerCampagne(db, { annee: ANNEE, recalculer: true })).rejects.toThrow(/validée .* figés/);
    await expect(db.knex('campagne_taux').where({ annee: ANNEE }).update({ taux_notifie: '9.99' })).rejects.toThrow(/figés/);
    await expect(db.knex('campagne_taux').where({ annee: ANNEE }).del()).rejects.toThrow(/figés/);
    const one = await db.knex('campagne_taux').where({ annee: ANNEE }).first();
    await db.knex('campagne_taux').insert({ ...one, explication: JSON.stringify(one.explication), decision: 2, remplace_decision: 1, taux_notifie: '1.23', calcule_le: undefined });
    expect((await db.knex('campagne_taux').where({ siret: one.siret, code_risque: one.code_risque }).orderBy('decision')).map((x) => [x.decision, x.remplace_decision])).toEqual([[1, null], [2, 1]]);
    await db.drop();
  });
});
