/**
 * Scale-out: two real `atmp notifications send` processes started at once on one campaign share its outbox
 * (PostgreSQL: rows claimed with FOR UPDATE SKIP LOCKED): each renders and sends part of it, every recipient is
 * rendered once and receives exactly one message. PostgreSQL only: the embedded PGlite admits a single process
 * (the test says so when it skips).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { runCli, tempDir } from './helpers/cli.ts';
import { backend, testDb, type TestDb } from './helpers/db.ts';
import { demarrerServeur, type ServeurTest } from './fixtures/notifications/smtp.ts';
import { genererRegion } from './helpers/region.ts';
import { lancerCampagne, validerCampagne } from '../pipelines/campagne/run.ts';

const ANNEE = 2024;
// enough recipients that rendering lasts well beyond the start-up skew of two processes (PDFs render at ~25/s
// per process: with 160 a process could finish before the other had started, and the test failed by timing alone)
const ENTREPRISES = 600;
const SUR_PG = backend === 'postgres';
if (!SUR_PG) console.warn('notifications-processus : ignoré sur PGlite (un seul processus peut ouvrir la base embarquée) ; DATABASE_URL=postgres://… pour le lancer');

let db: TestDb | undefined;
let serveur: ServeurTest | undefined;

beforeAll(async () => {
  if (!SUR_PG) return;
  db = await testDb();
  await genererRegion(db.knex, { entreprises: ENTREPRISES, annee: ANNEE });
  await lancerCampagne(db, { annee: ANNEE, lot: 500 });
  await validerCampagne(db, ANNEE, 'test');
  serveur = await demarrerServeur();
}, 180_000);
afterAll(async () => {
  await serveur?.fermer();
  await db?.drop();
});

describe.skipIf(!SUR_PG)('two sending processes share one campaign (PostgreSQL)', () => {
  it('each does part of the work; every recipient rendered once, one message each', async () => {
    const outDir = tempDir('atmp-notif-processus-');
    const env = { DATABASE_URL: db!.url, ATMP_SMTP_URL: serveur!.url, ATMP_OUT_DIR: outDir, ATMP_NOTIFICATIONS_WORKERS: '1', ATMP_SMTP_POOL: '2', ATMP_QUIET: '1' };
    const args = ['notifications', 'send', '--annee', String(ANNEE), '--json'];
    const [a, b] = await Promise.all([runCli(args, env), runCli(args, env)]);
    expect(a.stderr).toBe('');
    expect(b.stderr).toBe('');
    expect([a.code, b.code]).toEqual([0, 0]);
    const ra = JSON.parse(a.stdout);
    const rb = JSON.parse(b.stdout);

    const lignes = await db!.knex('notification').where({ annee: ANNEE });
    const courriel = lignes.filter((l) => l.statut !== 'papier');
    expect(lignes).toHaveLength(ENTREPRISES);
    expect(courriel.every((l) => l.statut === 'envoyee')).toBe(true);
    // shared, not duplicated: the two processes' counts add up to the campaign, and each did some of it
    expect(ra.rendues_ce_passage + rb.rendues_ce_passage).toBe(ENTREPRISES);
    expect(ra.envoyees_ce_passage + rb.envoyees_ce_passage).toBe(courriel.length);
    expect(Math.min(ra.rendues_ce_passage, rb.rendues_ce_passage)).toBeGreaterThan(0);
    expect(Math.min(ra.envoyees_ce_passage, rb.envoyees_ce_passage)).toBeGreaterThan(0);
    // the server received every Message-ID exactly once
    const ids = (await Promise.all(serveur!.recus.map((r) => simpleParser(r.brut)))).map((m) => m.messageId);
    expect(ids).toHaveLength(courriel.length);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(courriel.map((l) => l.message_id)));
  }, 300_000);
});
