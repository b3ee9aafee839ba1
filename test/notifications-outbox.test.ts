/**
 * Without SMTP settings, notifications are written as .eml files to <out>/outbox/<annee>/ (the offline default).
 * Also: a campaign that is not validated is refused; the latest decision is the one notified; the rendering is
 * deterministic (same bytes twice, in the pool or in this thread); the
 * crash window of the outbox is resolved by the file's presence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { tempDir } from './helpers/cli.ts';
import { testDb, type TestDb } from './helpers/db.ts';
import { ANNEE, EMAIL_GROUPE, preparerCampagne, TETE } from './fixtures/notifications/campagne.ts';
import { envoyerNotifications, lireDestinataires } from '../pipelines/notifications/pipeline.ts';
import { notificationsConfig } from '../pipelines/notifications/config.ts';
import { rendreNotification } from '../pipelines/notifications/rendu.ts';
import { validerCampagne } from '../pipelines/campagne/run.ts';

const POPPLER = !spawnSync('pdfinfo', ['-v']).error;
let db: TestDb;
let outDir: string;
// the letter attached (ATMP_NOTIFICATION_PIECE_JOINTE=oui): each .eml is checked against its stored PDF
const config = { ...notificationsConfig({ ATMP_NOTIFICATION_PIECE_JOINTE: 'oui' }), smtpUrl: undefined, workers: 2 };
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const outbox = () => join(outDir, 'outbox', String(ANNEE));

beforeAll(async () => {
  db = await testDb();
  outDir = tempDir('atmp-notif-outbox-');
  await preparerCampagne(db, { valider: false });
}, 120_000);
afterAll(async () => db?.drop());

describe('notifications to the .eml outbox', () => {
  it('refuses a campaign that is not validated, with a clear message', async () => {
    await expect(envoyerNotifications(db, { annee: ANNEE, outDir, config })).rejects.toThrow(/campagne 2020 non validée \(statut « calculee »\).*atmp campagne valider --annee 2020/);
    await expect(envoyerNotifications(db, { annee: 2031, outDir, config })).rejects.toThrow(/aucune campagne 2031/);
    expect(await db.knex('notification').count({ n: '*' }).first()).toMatchObject({ n: 0 });
  });

  it('writes one .eml per e-mail recipient, the PDF attached byte for byte', async () => {
    await validerCampagne(db, ANNEE, 'test');
    // a correction after validation: a new decision referencing the frozen one is the one notified
    const ancienne = await db.knex('campagne_taux').where({ annee: ANNEE, siret: '60000000400017', decision: 1 }).first();
    await db.knex('campagne_taux').insert({ ...ancienne, explication: JSON.stringify(ancienne.explication), decision: 2, remplace_decision: 1, taux_notifie: '6.10', calcule_le: db.knex.fn.now() });

    const r = await envoyerNotifications(db, { annee: ANNEE, outDir, config });
    expect(r).toMatchObject({ destinataires: 3, envoyees: 2, papier: 1, echecs: 0, rendues_ce_passage: 3, envoyees_ce_passage: 2 });
    expect(readdirSync(outbox()).sort()).toEqual([`${TETE}.eml`, '600000004.eml']);
    for (const siren of [TETE, '600000004']) {
      const n = await db.knex('notification').where({ annee: ANNEE, destinataire_siren: siren }).first();
      const brut = readFileSync(join(outbox(), `${siren}.eml`));
      expect(brut.includes('\r\n')).toBe(true);
      const m = await simpleParser(brut);
      expect(m.messageId).toBe(n.message_id);
      expect(sha(m.attachments[0].content)).toBe(n.pdf_sha256);
      expect(Buffer.compare(m.attachments[0].content, readFileSync(n.pdf_chemin))).toBe(0);
      if (siren === TETE) expect(m.to && !Array.isArray(m.to) ? m.to.text : '').toBe(EMAIL_GROUPE);
      if (siren === '600000004') {
        // the notice of availability: the link, no rate (the notified rate is in the attached PDF)
        expect(m.subject).toContain('est disponible');
        expect(m.text).toContain(`/notifications/${ANNEE}`);
        expect(m.text).not.toMatch(/6,10|6,25|%/);
      }
    }
  });

  it('renders the same bytes every time: in the pool and in this thread', async () => {
    const c = await db.knex('campagne').where({ annee: ANNEE }).first();
    const dests = await lireDestinataires(db.knex, ANNEE, config, new Date(c.validee_le));
    expect(dests.map((d) => d.siren)).toEqual([TETE, '400000006', '600000004']);
    for (const d of dests) {
      const n = await db.knex('notification').where({ annee: ANNEE, destinataire_siren: d.siren }).first();
      const a = await rendreNotification(d.donnees);
      const b = await rendreNotification(d.donnees);
      expect(sha(a)).toBe(sha(b));
      expect(sha(a)).toBe(n.pdf_sha256);
    }
  });

  it.skipIf(!POPPLER)('writes the PDF metadata: title, author, subject, creation date = validation date', async () => {
    const c = await db.knex('campagne').where({ annee: ANNEE }).first();
    const n = await db.knex('notification').where({ annee: ANNEE, destinataire_siren: TETE }).first();
    const info = execFileSync('pdfinfo', ['-isodates', n.pdf_chemin], { encoding: 'utf8' });
    expect(info).toMatch(/Title:\s+Notification des taux AT\/MP 2020 — Métallerie du Nord/);
    expect(info).toMatch(/Author:\s+Carsat Nord-Picardie/);
    expect(info).toMatch(/Subject:\s+.*SIREN 200000008/);
    expect(info).toMatch(new RegExp(`CreationDate:\\s+${new Date(c.validee_le).toISOString().slice(0, 19)}Z`));
  });

  it('a re-run writes nothing', async () => {
    const avant = statSync(join(outbox(), `${TETE}.eml`)).mtimeMs;
    const r = await envoyerNotifications(db, { annee: ANNEE, outDir, config });
    expect(r).toMatchObject({ rendues_ce_passage: 0, envoyees_ce_passage: 0, envoyees: 2 });
    expect(statSync(join(outbox(), `${TETE}.eml`)).mtimeMs).toBe(avant);
  });

  it('after a crash: a row "envoi_en_cours" whose .eml exists is recorded as sent, without rewriting it', async () => {
    const chemin = join(outbox(), `${TETE}.eml`);
    const avant = readFileSync(chemin);
    const mtime = statSync(chemin).mtimeMs;
    await db.knex('notification').where({ annee: ANNEE, destinataire_siren: TETE }).update({ statut: 'envoi_en_cours', envoyee_le: null });
    const r = await envoyerNotifications(db, { annee: ANNEE, outDir, config });
    expect(r).toMatchObject({ envoyees_ce_passage: 0, envoyees: 2, a_verifier: 0 });
    expect(statSync(chemin).mtimeMs).toBe(mtime);
    expect(Buffer.compare(readFileSync(chemin), avant)).toBe(0);
  });

  it('after a crash before the .eml was written: the notification is written once', async () => {
    unlinkSync(join(outbox(), '600000004.eml'));
    await db.knex('notification').where({ annee: ANNEE, destinataire_siren: '600000004' }).update({ statut: 'envoi_en_cours', envoyee_le: null });
    const r = await envoyerNotifications(db, { annee: ANNEE, outDir, config });
    expect(r).toMatchObject({ envoyees_ce_passage: 1, envoyees: 2, a_verifier: 0 });
    expect(existsSync(join(outbox(), '600000004.eml'))).toBe(true);
    expect(readdirSync(outbox()).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a PDF that no longer matches its stored hash is not sent; the error is reported, the others go on', async () => {
    const chemin = join(outbox(), '600000004.eml');
    unlinkSync(chemin);
    await db.knex('notification').where({ annee: ANNEE, destinataire_siren: '600000004' }).update({ statut: 'rendue', pdf_sha256: '0'.repeat(64) });
    const r = await envoyerNotifications(db, { annee: ANNEE, outDir, config });
    expect(r).toMatchObject({ envoyees_ce_passage: 0, en_attente: 1 });
    expect(existsSync(chemin)).toBe(false);
    expect(r.problemes).toEqual([expect.objectContaining({ siren: '600000004', statut: 'rendue', erreur: expect.stringMatching(/empreinte enregistrée/) })]);
  });
});
