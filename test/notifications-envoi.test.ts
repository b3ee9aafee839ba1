/**
 * Grouped notifications end to end, on a real SMTP server (smtp-server on 127.0.0.1:0): a validated campaign
 * (test/fixtures/notifications/campagne.ts), rendered in the worker pool, sent through nodemailer's pooled
 * transport; every received message is parsed with mailparser and checked against the ledger and the PDF.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { tempDir } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { ANNEE, EMAIL_GROUPE, preparerCampagne, SIRETS_GROUPE, TETE } from './fixtures/notifications/campagne.ts';
import { demarrerServeur, type ServeurTest } from './fixtures/notifications/smtp.ts';
import { envoyerNotifications, statutNotifications } from '../pipelines/notifications/pipeline.ts';
import { notificationsConfig } from '../pipelines/notifications/config.ts';
import { nombre } from '../templates/format.ts';

const PDFTOTEXT = spawnSync('pdftotext', ['-v']).error ? null : 'pdftotext';
const REFUSEE = 'paie@acierie.example.fr';

let db: TestDb;
let serveur: ServeurTest;
let outDir: string;
let premier: Awaited<ReturnType<typeof envoyerNotifications>>;
let messages: ParsedMail[];

// the letter attached (ATMP_NOTIFICATION_PIECE_JOINTE=oui), so that the bytes sent can be checked against the stored PDF
const config = (url: string) => ({ ...notificationsConfig({ ATMP_NOTIFICATION_PIECE_JOINTE: 'oui' }), smtpUrl: url, smtpPool: 2, essais: 4, backoffMs: 50, workers: 2 });

beforeAll(async () => {
  db = await testDb();
  outDir = tempDir('atmp-notif-out-');
  await preparerCampagne(db);
  // the group's address fails twice with 451, then accepts; the Alsace company's address is refused for good
  serveur = await demarrerServeur({ refuses: [REFUSEE], echecsTransitoires: { [EMAIL_GROUPE]: 2 } });
  premier = await envoyerNotifications(db, { annee: ANNEE, outDir, config: config(serveur.url) });
  messages = await Promise.all(serveur.recus.map((r) => simpleParser(r.brut)));
}, 120_000);
afterAll(async () => {
  await serveur?.fermer();
  await db?.drop();
});

describe('grouped notifications sent by SMTP', () => {
  it('one notification per recipient: the group head, the company on paper, the refused one', async () => {
    const rows = await db.knex('notification').where({ annee: ANNEE }).orderBy('destinataire_siren');
    expect(rows.map((r) => [r.destinataire_siren, r.statut])).toEqual([
      [TETE, 'envoyee'],
      ['400000006', 'papier'],
      ['600000004', 'echec'],
    ]);
    expect(premier).toMatchObject({ destinataires: 3, envoyees: 1, papier: 1, echecs: 1, a_verifier: 0, en_attente: 0 });
  });

  it('the group (3 companies, 7 establishments) gets exactly one message, after two transient failures', () => {
    const auGroupe = serveur.recus.filter((r) => r.destinataires.includes(EMAIL_GROUPE));
    expect(auGroupe).toHaveLength(1);
    expect(serveur.tentatives.get(EMAIL_GROUPE)).toBe(3);
    expect(serveur.recus).toHaveLength(1);
  });

  it('records the attempts, the Message-ID, the sending time and the deemed-notification date (15 days)', async () => {
    const n = await db.knex('notification').where({ annee: ANNEE, destinataire_siren: TETE }).first();
    expect(n.tentatives).toBe(3);
    expect(n.etablissements).toBe(8);
    expect([...n.sirets].sort()).toEqual([...SIRETS_GROUPE].sort());
    expect(messages[0].messageId).toBe(n.message_id);
    const envoyee = new Date(n.envoyee_le);
    const attendu = new Date(Date.UTC(envoyee.getUTCFullYear(), envoyee.getUTCMonth(), envoyee.getUTCDate() + 15)).toISOString().slice(0, 10);
    // current_date of the server vs the UTC day of the timestamp can differ around midnight only
    expect([attendu, new Date(Date.UTC(envoyee.getFullYear(), envoyee.getMonth(), envoyee.getDate() + 15)).toISOString().slice(0, 10)]).toContain(String(n.reputee_notifiee_le).slice(0, 10));
  });

  it("the attachment's bytes equal the stored PDF and its SHA-256", async () => {
    const n = await db.knex('notification').where({ annee: ANNEE, destinataire_siren: TETE }).first();
    const m = messages[0];
    expect(m.to && !Array.isArray(m.to) ? m.to.text : '').toBe(EMAIL_GROUPE);
    expect(m.subject).toContain(`taux AT/MP ${ANNEE}`);
    expect(m.attachments).toHaveLength(1);
    const pj = m.attachments[0];
    expect(pj.contentType).toBe('application/pdf');
    const stocke = readFileSync(n.pdf_chemin);
    expect(Buffer.compare(pj.content, stocke)).toBe(0);
    expect(createHash('sha256').update(pj.content).digest('hex')).toBe(n.pdf_sha256);
    expect(n.pdf_octets).toBe(stocke.length);
  });

  it('the text and HTML parts are the notice of availability: the link, no rate, no name (the rates are in the PDF)', async () => {
    const m = messages[0];
    expect(m.subject).toContain(`votre notification de taux AT/MP ${ANNEE} est disponible`);
    expect(m.text).toContain(`/notifications/${ANNEE}`);
    const taux = await db.knex('campagne_taux').where({ annee: ANNEE }).whereIn('siret', SIRETS_GROUPE).select('siret', 'taux_notifie');
    for (const t of taux) {
      expect(m.text).not.toContain(`${nombre(t.taux_notifie)}\u00a0%`);
      expect(m.html || '').not.toContain(`${nombre(t.taux_notifie)}\u00a0%`);
      expect(m.text).not.toContain(t.siret);
    }
    expect(m.text).not.toContain('Groupe Acier Nord');
  });

  it.skipIf(!PDFTOTEXT)('the PDF holds every SIRET and rate of the group (pdftotext)', async () => {
    const n = await db.knex('notification').where({ annee: ANNEE, destinataire_siren: TETE }).first();
    const texte = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', n.pdf_chemin, '-'], { encoding: 'utf8' }).replace(/\u00a0/g, ' ');
    const taux = await db.knex('campagne_taux').where({ annee: ANNEE }).whereIn('siret', SIRETS_GROUPE).select('siret', 'taux_notifie', 'taux_precedent');
    expect(taux).toHaveLength(8);
    for (const t of taux) {
      const s = t.siret as string;
      expect(texte).toContain(`${s.slice(0, 3)} ${s.slice(3, 6)} ${s.slice(6, 9)} ${s.slice(9)}`);
      expect(texte).toContain(`${nombre(t.taux_notifie)} %`);
      if (t.taux_precedent) expect(texte).toContain(`${nombre(t.taux_precedent, 2)} %`);
    }
    // French glyphs survive the embedded font (extracted back as the same characters)
    for (const mot of ['Œuf & Cœur', 'Péronne', 'Cour d’appel d’Amiens', 'deux mois', 'Carsat Nord-Picardie', 'écrêtement', 'Métallerie du Nord']) expect(texte).toContain(mot);
    expect(texte).toMatch(/page 1 \/ \d+/);
    // the 4 300 € of the IT4 coût moyen of CTN D in 2020 (S6 of the Conserverie), read from the stored steps
    expect(texte).toContain('4 308 €');
  });

  it('the print batch holds the paper notification and the refused one', async () => {
    for (const siren of ['400000006', '600000004']) {
      const n = await db.knex('notification').where({ annee: ANNEE, destinataire_siren: siren }).first();
      expect(n.impression_chemin).toBe(join(outDir, 'impression', String(ANNEE), `${siren}.pdf`));
      expect(createHash('sha256').update(readFileSync(n.impression_chemin)).digest('hex')).toBe(n.pdf_sha256);
    }
    const refusee = await db.knex('notification').where({ annee: ANNEE, destinataire_siren: '600000004' }).first();
    expect(refusee.derniere_erreur).toMatch(/550/);
    expect(serveur.recus.some((r) => r.destinataires.includes(REFUSEE))).toBe(false);
  });

  it('a re-run sends nothing and renders nothing', async () => {
    const avant = serveur.recus.length;
    const r = await envoyerNotifications(db, { annee: ANNEE, outDir, config: config(serveur.url) });
    expect(r.rendues_ce_passage).toBe(0);
    expect(r.envoyees_ce_passage).toBe(0);
    expect(serveur.recus.length).toBe(avant);
  });

  it('status lists the counts and the failure', async () => {
    const s = await statutNotifications(db.knex, ANNEE);
    expect(s).toMatchObject({ destinataires: 3, envoyees: 1, papier: 1, echecs: 1, a_verifier: 0 });
    expect(s.problemes.map((p) => p.siren)).toEqual(['600000004']);
  });

  it('a row left "envoi_en_cours" by a crash is not resent blindly; --incertains renvoyer resends it with the same Message-ID', async () => {
    const n = await db.knex('notification').where({ annee: ANNEE, destinataire_siren: TETE }).first();
    // the crash window: the server accepted, the process died before recording it
    await db.knex('notification').where({ annee: ANNEE, destinataire_siren: TETE }).update({ statut: 'envoi_en_cours', envoyee_le: null });
    const avant = serveur.recus.length;
    const r = await envoyerNotifications(db, { annee: ANNEE, outDir, config: config(serveur.url) });
    expect(r.envoyees_ce_passage).toBe(0);
    expect(r.a_verifier).toBe(1);
    expect(serveur.recus.length).toBe(avant);
    const r2 = await envoyerNotifications(db, { annee: ANNEE, outDir, config: config(serveur.url), incertains: 'renvoyer' });
    expect(r2.envoyees_ce_passage).toBe(1);
    expect(serveur.recus.length).toBe(avant + 1);
    const renvoi = await simpleParser(serveur.recus.at(-1)!.brut);
    expect(renvoi.messageId).toBe(n.message_id);
  });

  it('a missing PDF file is rendered again with the same bytes before sending', async () => {
    const n = await db.knex('notification').where({ annee: ANNEE, destinataire_siren: TETE }).first();
    writeFileSync(n.pdf_chemin, 'abîmé');
    await db.knex('notification').where({ annee: ANNEE, destinataire_siren: TETE }).update({ statut: 'rendue' });
    const avant = serveur.recus.length;
    await envoyerNotifications(db, { annee: ANNEE, outDir, config: config(serveur.url) });
    expect(serveur.recus.length).toBe(avant + 1);
    const m = await simpleParser(serveur.recus.at(-1)!.brut);
    expect(createHash('sha256').update(m.attachments[0].content).digest('hex')).toBe(n.pdf_sha256);
    expect(existsSync(n.pdf_chemin)).toBe(true);
  });
});
