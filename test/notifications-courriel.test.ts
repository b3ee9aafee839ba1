/**
 * The notification e-mail as nodemailer composes it, read back by mailparser: the same mail options go to the
 * `.eml` outbox (stream transport) and to SMTP, so both carry the same headers, parts and attachment; accents in
 * the subject, the sender's name and the file name survive; lines are CRLF and within 998 characters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { tempDir } from './helpers/cli.ts';
import { demarrerServeur, type ServeurTest } from './fixtures/notifications/smtp.ts';
import { composerCourriel, creerExpediteur, type Message } from '../pipelines/notifications/transport.ts';
import { notificationsConfig } from '../pipelines/notifications/config.ts';

const config = { ...notificationsConfig({ ATMP_CARSAT_NOM: 'Carsat Alsace-Moselle — Strasbourg' }), smtpUrl: undefined };
const message: Message = {
  siren: '300000007',
  messageId: '<atmp.2024.300000007.0123456789abcdef@carsat-nordpicardie.fr>',
  a: 'paie@groupe-acier.example.fr',
  sujet: 'Notification de vos taux AT/MP 2024 — Conserverie « Œuf & Cœur » de Péronne et d’Abbeville, établissements réunis',
  texte: 'Madame, Monsieur,\n\nVos taux 2024 : 2,05 % — 7,38 %.\n.\nUne ligne qui commence par un point.\n',
  html: '<p>Madame, Monsieur,</p>\n<p>Vos taux 2024 : <b>2,05&nbsp;%</b> — 7,38 %</p>',
  fichier: 'notification taux 2024 é.pdf',
  pdf: randomBytes(60_000),
};

function verifier(m: ParsedMail) {
  expect(m.subject).toBe(message.sujet);
  expect(m.from?.value).toEqual([{ name: 'Carsat Alsace-Moselle — Strasbourg', address: config.carsat.email }]);
  expect(m.to && !Array.isArray(m.to) ? m.to.value : []).toEqual([{ name: '', address: message.a }]);
  expect(m.messageId).toBe(message.messageId);
  expect(m.headers.get('x-atmp-siren')).toBe(message.siren);
  expect(m.text).toBe(message.texte);
  expect(m.html).toBe(message.html);
  expect(m.attachments).toHaveLength(1);
  expect(m.attachments[0]).toMatchObject({ filename: message.fichier, contentType: 'application/pdf', contentDisposition: 'attachment' });
  expect(Buffer.compare(m.attachments[0].content, message.pdf!)).toBe(0);
}

let serveur: ServeurTest;
beforeAll(async () => {
  serveur = await demarrerServeur();
});
afterAll(async () => serveur?.fermer());

describe('notification e-mail composed by nodemailer', () => {
  it('reads back exactly, CRLF lines within 998 characters', async () => {
    const brut = await composerCourriel(config, message);
    verifier(await simpleParser(brut));
    const s = brut.toString('latin1');
    expect(s.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(Math.max(...s.split('\r\n').map((l) => l.length))).toBeLessThanOrEqual(998);
  });

  it('the .eml outbox and SMTP carry the same message', async () => {
    const outbox = tempDir('atmp-courriel-');
    const eml = creerExpediteur(config, outbox);
    expect(await eml.envoyer(message)).toMatchObject({ ok: true });
    verifier(await simpleParser(readFileSync(join(outbox, `${message.siren}.eml`))));
    const smtp = creerExpediteur({ ...config, smtpUrl: serveur.url, smtpPool: 1 }, outbox);
    try {
      expect(await smtp.envoyer(message)).toMatchObject({ ok: true, reponse: expect.stringContaining('OK reçu') });
    } finally {
      await smtp.fermer();
    }
    expect(serveur.recus).toHaveLength(1);
    expect(serveur.recus[0].destinataires).toEqual([message.a]);
    verifier(await simpleParser(serveur.recus[0].brut));
  });

  it('an address that would inject a header does not add one', async () => {
    const m = await simpleParser(await composerCourriel(config, { ...message, a: 'x@y.fr\r\nBcc: z@w.fr' }));
    expect(m.bcc).toBeUndefined();
    expect(m.headers.has('bcc')).toBe(false);
  });
});
