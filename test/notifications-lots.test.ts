/**
 * A campaign of a synthetic region (bench/generer-region.sql: 140 companies, one recipient each, ~90 % by e-mail)
 * sent to a real SMTP server: more than one batch of accepted messages (pipeline.ts records them 50 at a time or
 * after 200 ms), so every recipient ends 'envoyee' with the server's reply, none left 'envoi_en_cours'; each
 * message received once, its attachment the stored PDF; a re-run sends nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { tempDir } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { demarrerServeur, type ServeurTest } from './fixtures/notifications/smtp.ts';
import { genererRegion } from './helpers/region.ts';
import { lancerCampagne, validerCampagne } from '../pipelines/campagne/run.ts';
import { envoyerNotifications } from '../pipelines/notifications/pipeline.ts';
import { notificationsConfig } from '../pipelines/notifications/config.ts';

const ANNEE = 2024;
let db: TestDb;
let serveur: ServeurTest;
let outDir: string;
// the letter attached (ATMP_NOTIFICATION_PIECE_JOINTE=oui): each message is checked against its stored PDF
const config = (url: string) => ({ ...notificationsConfig({ ATMP_NOTIFICATION_PIECE_JOINTE: 'oui' }), smtpUrl: url, smtpPool: 3, workers: 2 });

beforeAll(async () => {
  db = await testDb();
  outDir = tempDir('atmp-notif-lots-');
  await genererRegion(db.knex, { entreprises: 140, annee: ANNEE });
  await lancerCampagne(db, { annee: ANNEE, lot: 500 });
  await validerCampagne(db, ANNEE, 'test');
  serveur = await demarrerServeur();
}, 180_000);
afterAll(async () => {
  await serveur?.fermer();
  await db?.drop();
});

describe('notifications sent in batches', () => {
  it('records every accepted message, each received once with its stored PDF', async () => {
    const r = await envoyerNotifications(db, { annee: ANNEE, outDir, config: config(serveur.url) });
    const lignes = await db.knex('notification').where({ annee: ANNEE }).orderBy('destinataire_siren');
    const courriel = lignes.filter((l) => l.statut !== 'papier');
    expect(courriel.length).toBeGreaterThan(100);
    expect(r).toMatchObject({ destinataires: 140, envoyees_ce_passage: courriel.length, a_verifier: 0, en_attente: 0, echecs: 0 });
    for (const l of courriel) {
      expect(l.statut, l.destinataire_siren).toBe('envoyee');
      expect(l.envoyee_le).not.toBeNull();
      expect(l.reputee_notifiee_le).not.toBeNull();
      expect(l.reponse_smtp).toMatch(/OK reçu/);
    }
    expect(serveur.recus).toHaveLength(courriel.length);
    const parId = new Map(courriel.map((l) => [l.message_id, l]));
    for (const m of await Promise.all(serveur.recus.map((x) => simpleParser(x.brut)))) {
      const l = parId.get(m.messageId!);
      expect(l, m.messageId).toBeDefined();
      parId.delete(m.messageId!);
      expect(createHash('sha256').update(m.attachments[0].content).digest('hex')).toBe(l.pdf_sha256);
    }
    expect(parId.size).toBe(0);
  }, 180_000);

  it('a re-run sends nothing', async () => {
    const avant = serveur.recus.length;
    const r = await envoyerNotifications(db, { annee: ANNEE, outDir, config: config(serveur.url) });
    expect(r).toMatchObject({ rendues_ce_passage: 0, envoyees_ce_passage: 0 });
    expect(serveur.recus.length).toBe(avant);
  });
});
