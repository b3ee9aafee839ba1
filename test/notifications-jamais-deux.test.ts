/**
 * Never the same e-mail twice, on real parts (smtp-server on 127.0.0.1): a server that reads a whole message, then
 * closes the connection without replying, leaves the notification uncertain (« à vérifier »), never resent; a
 * connection lost before the message was handed over is retried and delivered once; rows claimed by a process that
 * died before handing them to SMTP go back to "to send", those whose SMTP transaction started stay uncertain; an
 * agent settles uncertain rows one by one, by SIREN or by Message-ID.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { tempDir } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { ANNEE, EMAIL_GROUPE, preparerCampagne, TETE } from './fixtures/notifications/campagne.ts';
import { demarrerServeur, type ServeurTest } from './fixtures/notifications/smtp.ts';
import { envoyerNotifications, lireIncertaines } from '../pipelines/notifications/pipeline.ts';
import { notificationsConfig } from '../pipelines/notifications/config.ts';

const SEUL = '600000004';
const EMAIL_SEUL = 'paie@acierie.example.fr';
let db: TestDb;
let serveur: ServeurTest | undefined;
let outDir: string;
const config = (url: string) => ({ ...notificationsConfig({}), smtpUrl: url, smtpPool: 2, essais: 3, backoffMs: 20, workers: 1 });
const ligne = (siren: string) => db.knex('notification').where({ annee: ANNEE, destinataire_siren: siren }).first();
const recusPar = (s: ServeurTest, email: string) => s.recus.filter((r) => r.destinataires.includes(email));

beforeEach(async () => {
  db = await testDb();
  outDir = tempDir('atmp-notif-jamais-deux-');
  await preparerCampagne(db);
}, 120_000);
afterEach(async () => {
  await serveur?.fermer();
  serveur = undefined;
  await db?.drop();
});

describe('never the same e-mail twice', () => {
  it('the whole message read, then the connection closed without a reply: uncertain, not resent, then settled by SIREN', async () => {
    serveur = await demarrerServeur({ coupeApresDonnees: { [EMAIL_GROUPE]: 3 } });
    const r = await envoyerNotifications(db, { annee: ANNEE, outDir, config: config(serveur.url) });
    // the server got the message once (its final dot): no second copy, however many attempts were allowed
    expect(recusPar(serveur, EMAIL_GROUPE)).toHaveLength(1);
    expect(recusPar(serveur, EMAIL_SEUL)).toHaveLength(1);
    expect(r).toMatchObject({ envoyees_ce_passage: 1, a_verifier: 1, en_attente: 0 });
    const n = await ligne(TETE);
    expect(n.statut).toBe('envoi_en_cours');
    expect(n.smtp_commence_le).not.toBeNull();
    expect(n.derniere_erreur).toMatch(/^incertain/);
    expect((await lireIncertaines(db.knex, ANNEE)).map((x) => [x.siren, x.message_id])).toEqual([[TETE, n.message_id]]);

    // a re-run sends nothing
    const r2 = await envoyerNotifications(db, { annee: ANNEE, outDir, config: config(serveur.url) });
    expect(r2).toMatchObject({ envoyees_ce_passage: 0, a_verifier: 1 });
    expect(recusPar(serveur, EMAIL_GROUPE)).toHaveLength(1);

    // the agent found it in the server's log: confirmed, for this SIREN only
    const r3 = await envoyerNotifications(db, { annee: ANNEE, outDir, config: config(serveur.url), incertains: 'confirmer', selection: { sirens: [TETE] } });
    expect(r3).toMatchObject({ a_verifier: 0, envoyees: 2, incertains_regles: [{ siren: TETE, message_id: n.message_id, action: 'confirmer' }] });
    expect((await ligne(TETE)).statut).toBe('envoyee');
    expect(recusPar(serveur, EMAIL_GROUPE)).toHaveLength(1);
  }, 60_000);

  it('the connection closed before the message was handed over: retried, delivered once', async () => {
    serveur = await demarrerServeur({ coupeAuRcpt: { [EMAIL_GROUPE]: 2 } });
    const r = await envoyerNotifications(db, { annee: ANNEE, outDir, config: config(serveur.url) });
    expect(r).toMatchObject({ envoyees_ce_passage: 2, a_verifier: 0, en_attente: 0, non_envoyees_ce_passage: 0 });
    expect(recusPar(serveur, EMAIL_GROUPE)).toHaveLength(1);
    // each drop is retried, by atmp (or by nodemailer's pool itself, which requeues a message not a byte of which was read)
    expect((await ligne(TETE)).tentatives).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('after a kill: rows claimed but never handed to SMTP are sent; rows whose SMTP transaction started are uncertain', async () => {
    await envoyerNotifications(db, { annee: ANNEE, outDir, config: config('smtp://127.0.0.1:1'), sansEnvoi: true });
    // the state a killed sender leaves: both rows claimed by it (its lock died with it), one handed to SMTP
    const mort = `atmp:notifications:${ANNEE}:expediteur:ailleurs:999999:deadbeef`;
    await db.knex('notification').where({ annee: ANNEE }).whereIn('destinataire_siren', [TETE, SEUL])
      .update({ statut: 'envoi_en_cours', reserve_par: mort, envoi_commence_le: db.knex.fn.now(), tentatives: 1 });
    await db.knex('notification').where({ annee: ANNEE, destinataire_siren: SEUL }).update({ smtp_commence_le: db.knex.fn.now() });
    serveur = await demarrerServeur();
    const r = await envoyerNotifications(db, { annee: ANNEE, outDir, config: config(serveur.url) });
    expect(r).toMatchObject({ envoyees_ce_passage: 1, a_verifier: 1 });
    expect(recusPar(serveur, EMAIL_GROUPE)).toHaveLength(1);
    expect(recusPar(serveur, EMAIL_SEUL)).toHaveLength(0);
    expect((await ligne(TETE)).statut).toBe('envoyee');
    expect((await lireIncertaines(db.knex, ANNEE)).map((x) => x.siren)).toEqual([SEUL]);
  }, 60_000);

  it('uncertain rows are settled one at a time, by Message-ID; the others stay', async () => {
    serveur = await demarrerServeur({ coupeApresDonnees: { [EMAIL_GROUPE]: 1, [EMAIL_SEUL]: 1 } });
    const r = await envoyerNotifications(db, { annee: ANNEE, outDir, config: config(serveur.url) });
    expect(r.a_verifier).toBe(2);
    const seul = await ligne(SEUL);
    // not in the server's log, say: resent, with the same Message-ID; the group's row is untouched
    const r2 = await envoyerNotifications(db, { annee: ANNEE, outDir, config: config(serveur.url), incertains: 'renvoyer', selection: { messageIds: [seul.message_id] } });
    expect(r2).toMatchObject({ a_verifier: 1, envoyees_ce_passage: 1, incertains_regles: [{ siren: SEUL, action: 'renvoyer' }] });
    const au = recusPar(serveur, EMAIL_SEUL);
    expect(au).toHaveLength(2);
    expect((await simpleParser(au[1].brut)).messageId).toBe(seul.message_id);
    expect((await ligne(TETE)).statut).toBe('envoi_en_cours');
    expect(recusPar(serveur, EMAIL_GROUPE)).toHaveLength(1);
    // a selection naming nothing uncertain is refused, with the list
    await expect(envoyerNotifications(db, { annee: ANNEE, outDir, config: config(serveur.url), incertains: 'confirmer', selection: { sirens: [SEUL] } }))
      .rejects.toThrow(new RegExp(`aucun envoi à vérifier pour ${SEUL} ; à vérifier : ${TETE}`));
  }, 60_000);
});
