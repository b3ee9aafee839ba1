/**
 * The `atmp notifications` commands run by the real executable (bin/atmp.js) in a child process, on a data folder
 * (PGlite) or a throw-away database (PostgreSQL) prepared with the campaign fixture.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, type CliResult } from './helpers/cli.ts';
import { backend, testDb, type TestDb } from './helpers/db.ts';
import { openDb } from '../lib/db.ts';
import { loadConfig } from '../lib/config.ts';
import { ANNEE, preparerCampagne } from './fixtures/notifications/campagne.ts';

let env: Record<string, string | undefined>;
let dataDir: string | undefined;
let pg: TestDb | undefined;
let outDir: string;

const atmp = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> =>
  runCli(args, { ATMP_QUIET: '1', ATMP_SMTP_URL: '', ATMP_OUT_DIR: outDir, ATMP_NOTIFICATIONS_WORKERS: '1', ...env, ...extra });

beforeAll(async () => {
  outDir = tempDir('atmp-notif-cli-out-');
  if (backend === 'postgres') {
    pg = await testDb();
    await preparerCampagne(pg, { valider: false });
    env = { DATABASE_URL: pg.url };
  } else {
    dataDir = join(tempDir('atmp-notif-cli-'), 'db');
    const db = await openDb({ config: { ...loadConfig(), databaseUrl: undefined, dataDir } });
    try {
      await preparerCampagne(Object.assign(db, { drop: () => db.close() }), { valider: false });
    } finally {
      await db.close();
    }
    env = { DATABASE_URL: undefined, ATMP_DATA_DIR: dataDir };
  }
}, 180_000);
afterAll(async () => pg?.drop());

/** The test's database, between two commands (PGlite: the data folder, opened while no command runs). */
async function avecBase<T>(fn: (knex: TestDb['knex']) => Promise<T>): Promise<T> {
  if (pg) return fn(pg.knex);
  const db = await openDb({ config: { ...loadConfig(), databaseUrl: undefined, dataDir: dataDir! } });
  try {
    return await fn(db.knex);
  } finally {
    await db.close();
  }
}

describe('atmp notifications', () => {
  it('send refuses a campaign that is not validated, with the command to run', async () => {
    const r = await atmp(['notifications', 'send', '--annee', String(ANNEE)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('campagne 2020 non validée');
    expect(r.stderr).toContain('atmp campagne valider --annee 2020');
  });

  it('send renders and writes the .eml outbox; status --json counts them; a second send does nothing', async () => {
    expect((await atmp(['campagne', 'valider', '--annee', String(ANNEE), '--agent', 'test'])).code).toBe(0);
    const r = await atmp(['notifications', 'send', '--annee', String(ANNEE)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 destinataires');
    expect(r.stdout).toMatch(/ce passage : 3 rendues, 2 envoyées, 0 non envoyées \(fichiers \.eml/);
    expect(readdirSync(join(outDir, 'outbox', String(ANNEE))).sort()).toEqual(['200000008.eml', '600000004.eml']);
    expect(readdirSync(join(outDir, 'impression', String(ANNEE))).sort()).toEqual(['400000006.pdf', 'index.csv']);

    const s = await atmp(['notifications', 'status', '--annee', String(ANNEE), '--json']);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ annee: 2020, destinataires: 3, envoyees: 2, papier: 1, echecs: 0, a_verifier: 0, en_attente: 0 });

    const again = await atmp(['notifications', 'send', '--annee', String(ANNEE), '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ rendues_ce_passage: 0, envoyees_ce_passage: 0, envoyees: 2 });
  });

  it('rejects a bad --incertains value', async () => {
    const r = await atmp(['notifications', 'send', '--annee', String(ANNEE), '--incertains', 'peut-etre']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('« confirmer » ou « renvoyer »');
  });

  it('send exits 75 with the counts when messages remain unsent (SMTP unreachable)', async () => {
    await avecBase((knex) => knex('notification').where({ annee: ANNEE, statut: 'envoyee' }).update({ statut: 'rendue' }));
    const r = await atmp(['notifications', 'send', '--annee', String(ANNEE)], { ATMP_SMTP_URL: 'smtp://127.0.0.1:1', ATMP_SMTP_ESSAIS: '1' });
    expect(r.code).toBe(75);
    expect(r.stdout).toMatch(/0 envoyées, 2 non envoyées/);
    expect(r.stdout).toMatch(/en attente d'envoi : 2/);
    expect(r.stderr).toContain('2 notification(s) non envoyée(s)');
  });

  it('--incertains without a selection lists the uncertain sends and settles nothing; with --siren, that one only', async () => {
    await avecBase((knex) => knex('notification').where({ annee: ANNEE, statut: 'rendue' }).update({ statut: 'envoi_en_cours', smtp_commence_le: knex.fn.now() }));
    const liste = await atmp(['notifications', 'send', '--annee', String(ANNEE), '--incertains', 'confirmer'], { ATMP_SMTP_URL: 'smtp://127.0.0.1:1' });
    expect(liste.code).toBe(2);
    expect(liste.stderr).toContain('Envois à vérifier (2)');
    expect(liste.stderr).toMatch(/200000008 .*Message-ID <atmp\.2020\.200000008\./);
    expect(liste.stderr).toMatch(/600000004 .*Message-ID/);
    const un = await atmp(['notifications', 'send', '--annee', String(ANNEE), '--incertains', 'confirmer', '--siren', '200000008', '--json'], { ATMP_SMTP_URL: 'smtp://127.0.0.1:1' });
    expect(un.code).toBe(1);
    expect(JSON.parse(un.stdout)).toMatchObject({ a_verifier: 1, envoyees: 1, incertains_regles: [{ siren: '200000008', action: 'confirmer' }] });
  });
});
