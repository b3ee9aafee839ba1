/**
 * Never stuck: a `campagne run --recalculer` killed (SIGKILL, through the ATMP_TEST_ARRET fault-injection point)
 * after its ledger row says "en cours" but before its reset commits, then a plain `campagne run`: the plain run
 * finishes the work — no duplicate key — with the rows of an uninterrupted run.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runCli, tempDir } from './helpers/cli.ts';
import { backend, testDb, type TestDb } from './helpers/db.ts';
import { genererRegion } from './helpers/region.ts';
import { openDb } from '../lib/db.ts';
import { loadConfig } from '../lib/config.ts';
import { lancerCampagne } from '../pipelines/campagne/run.ts';

const ANNEE = 2024;
const COLONNES = 'siret, code_risque, decision, statut, mode, taux_notifie, entrees_empreinte';

async function baseCli(): Promise<{ env: Record<string, string>; open: () => Promise<TestDb> }> {
  if (backend === 'postgres') {
    const db = await testDb();
    await genererRegion(db.knex, { entreprises: 40, annee: ANNEE });
    await lancerCampagne(db, { annee: ANNEE, lot: 4 });
    await db.close();
    return {
      env: { DATABASE_URL: db.url! },
      open: async () => Object.assign(await openDb({ config: { ...loadConfig(), databaseUrl: db.url } }), { url: db.url, drop: db.drop }),
    };
  }
  const config = { ...loadConfig(), databaseUrl: undefined, dataDir: join(tempDir(), 'db') };
  const db = await openDb({ config });
  await genererRegion(db.knex, { entreprises: 40, annee: ANNEE });
  await lancerCampagne(db, { annee: ANNEE, lot: 4 });
  await db.close();
  return {
    env: { DATABASE_URL: '', ATMP_DATA_DIR: config.dataDir },
    open: async () => {
      const d = await openDb({ config });
      return Object.assign(d, { drop: () => d.close() });
    },
  };
}

describe('kill -9 during campagne run --recalculer', () => {
  it.each(['campagne-apres-ledger', 'campagne-reset-avant-commit'])('killed at %s: a plain re-run finishes the work', async (point) => {
    const { env, open } = await baseCli();
    let db = await open();
    const attendu = (await db.knex.raw(`select ${COLONNES} from campagne_taux where annee = ? order by siret, code_risque`, [ANNEE])).rows;
    expect(attendu.length).toBeGreaterThan(40);
    await db.close();

    const tue = await runCli(['campagne', 'run', '--annee', String(ANNEE), '--recalculer', '--lot', '4'], { ...env, ATMP_TEST_ARRET: point, ATMP_QUIET: '1' });
    expect(tue.code, `not killed at ${point}: ${tue.stderr}`).toBe(-1);

    db = await open();
    expect((await db.knex('job_run').where({ job: 'campagne', periode: String(ANNEE) }).first()).statut).toBe('en_cours');
    await db.close();

    const plain = await runCli(['campagne', 'run', '--annee', String(ANNEE), '--lot', '4', '--json'], { ...env, ATMP_QUIET: '1' });
    expect(plain.code, plain.stderr).toBe(0);
    expect(JSON.parse(plain.stdout)).toMatchObject({ statut: 'calculee', erreurs: 0 });

    db = await open();
    expect((await db.knex.raw(`select ${COLONNES} from campagne_taux where annee = ? order by siret, code_risque`, [ANNEE])).rows).toEqual(attendu);
    expect((await db.knex('job_run').where({ job: 'campagne', periode: String(ANNEE) }).first()).statut).toBe('termine');
    expect((await db.knex('campagne').where({ annee: ANNEE }).first()).statut).toBe('calculee');
    await db.drop();
  });
});
