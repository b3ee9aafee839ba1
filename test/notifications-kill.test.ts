/**
 * kill -9 of a real `atmp notifications send` process in the middle of its sending (PostgreSQL; a slow SMTP server
 * keeps messages in flight): the next run sends every message the server did not receive, resends none it did
 * receive, and holds « à vérifier » only rows whose SMTP transaction had started. PostgreSQL only: the test reads the
 * database while the process runs, which the embedded PGlite does not allow (the test says so when it skips).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { simpleParser } from 'mailparser';
import { BIN, ROOT, tempDir } from './helpers/cli.ts';
import { backend, testDb, type TestDb } from './helpers/db.ts';
import { demarrerServeur, type ServeurTest } from './fixtures/notifications/smtp.ts';
import { genererRegion } from './helpers/region.ts';
import { lancerCampagne, validerCampagne } from '../pipelines/campagne/run.ts';
import { envoyerNotifications, lireIncertaines } from '../pipelines/notifications/pipeline.ts';
import { notificationsConfig } from '../pipelines/notifications/config.ts';

const ANNEE = 2024;
const SUR_PG = backend === 'postgres';
if (!SUR_PG) console.warn('notifications-kill : ignoré sur PGlite (la base embarquée ne s’ouvre pas pendant que le processus tué la tient) ; DATABASE_URL=postgres://… pour le lancer');

let db: TestDb | undefined;
let serveur: ServeurTest | undefined;

beforeAll(async () => {
  if (!SUR_PG) return;
  db = await testDb();
  await genererRegion(db.knex, { entreprises: 40, annee: ANNEE });
  await lancerCampagne(db, { annee: ANNEE, lot: 500 });
  await validerCampagne(db, ANNEE, 'test');
  serveur = await demarrerServeur({ retardMs: 400 });
}, 180_000);
afterAll(async () => {
  await serveur?.fermer();
  await db?.drop();
});

const attendre = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!SUR_PG)('kill -9 during sending (PostgreSQL)', () => {
  it('nothing received is resent; uncertain rows are only those handed to SMTP', async () => {
    const outDir = tempDir('atmp-notif-kill-');
    const env = { ...process.env, DATABASE_URL: db!.url, ATMP_SMTP_URL: serveur!.url, ATMP_OUT_DIR: outDir, ATMP_NOTIFICATIONS_WORKERS: '1', ATMP_SMTP_POOL: '3', ATMP_QUIET: '1' };
    const p = spawn(process.execPath, [BIN, 'notifications', 'send', '--annee', String(ANNEE)], { cwd: ROOT, env, stdio: 'ignore' });
    const fin = new Promise((r) => p.once('exit', r));
    // killed once some messages were accepted and others are in flight
    for (let i = 0; i < 1200; i++) {
      const [{ n }] = await db!.knex('notification').where({ annee: ANNEE, statut: 'envoyee' }).count({ n: '*' });
      if (Number(n) >= 3) break;
      await attendre(50);
    }
    p.kill('SIGKILL');
    await fin;
    const recusAvant = serveur!.recus.length;
    expect(recusAvant).toBeGreaterThan(0);
    const courriel = await db!.knex('notification').where({ annee: ANNEE }).whereNot({ statut: 'papier' });
    expect(courriel.filter((l) => l.statut !== 'envoyee').length).toBeGreaterThan(0);
    // let the in-flight replies of the dead connections pass
    await attendre(600);

    const r = await envoyerNotifications(db!, { annee: ANNEE, outDir, config: { ...notificationsConfig({}), smtpUrl: serveur!.url, smtpPool: 3, workers: 1 } });
    const parId = new Map<string, number>();
    for (const m of await Promise.all(serveur!.recus.map((x) => simpleParser(x.brut)))) parId.set(m.messageId!, (parId.get(m.messageId!) ?? 0) + 1);
    // never twice
    expect([...parId.values()].every((n) => n === 1)).toBe(true);
    const incertaines = await lireIncertaines(db!.knex, ANNEE);
    expect(r.a_verifier).toBe(incertaines.length);
    // at most the messages in flight when the process died (3 connections)
    expect(incertaines.length).toBeLessThanOrEqual(3);
    const lignes = await db!.knex('notification').where({ annee: ANNEE }).whereNot({ statut: 'papier' });
    for (const l of lignes) {
      if (l.statut === 'envoyee') continue;
      // the rest is uncertain: its SMTP transaction had started
      expect(l.statut, l.destinataire_siren).toBe('envoi_en_cours');
      expect(l.smtp_commence_le, l.destinataire_siren).not.toBeNull();
    }
    // every row not uncertain was received exactly once
    const sures = lignes.filter((l) => l.statut === 'envoyee');
    for (const l of sures) expect(parId.get(l.message_id), l.destinataire_siren).toBe(1);
    expect(sures.length + incertaines.length).toBe(lignes.length);
  }, 300_000);
});
