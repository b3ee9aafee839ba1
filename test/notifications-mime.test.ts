/**
 * The MIME composer of the notification e-mails (pipelines/notifications/mime.ts), read back by mailparser: headers
 * with accents and long subjects, quoted names, the text and HTML parts, the PDF byte for byte; lines within 998
 * characters (RFC 5322), CRLF only, encoded-words within 75 characters (RFC 2047).
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { composerMessage, valeurEntete } from '../pipelines/notifications/mime.ts';

const pdf = randomBytes(50_000);
const base = {
  de: { nom: 'Carsat Nord-Picardie', adresse: 'tarification@carsat-nordpicardie.fr' },
  a: 'paie@groupe-acier.example.fr',
  sujet: 'Carsat Nord-Picardie : notification de vos taux AT/MP 2024 — Conserverie « Œuf & Cœur » de Péronne et d’Abbeville, établissements réunis',
  messageId: '<atmp.2024.300000007.0123456789abcdef@carsat-nordpicardie.fr>',
  date: new Date('2026-11-24T09:30:00Z'),
  texte: 'Madame, Monsieur,\n\nVos taux 2024 : 2,05 % — 7,38 %.\n.\nUne ligne qui commence par un point.\n',
  html: '<p>Madame, Monsieur,</p>\n<p>Vos taux 2024 : <b>2,05&nbsp;%</b> — 7,38 %</p>',
  fichier: 'notification-taux-atmp-2024-300000007.pdf',
  pdf,
  entetes: { 'X-ATMP-Siren': '300000007' },
};

describe('MIME composer', () => {
  it('gives a message mailparser reads back exactly', async () => {
    const brut = composerMessage(base);
    const m = await simpleParser(brut);
    expect(m.subject).toBe(base.sujet);
    expect(m.from?.value).toEqual([{ name: 'Carsat Nord-Picardie', address: base.de.adresse }]);
    expect(m.to && !Array.isArray(m.to) ? m.to.value : []).toEqual([{ name: '', address: base.a }]);
    expect(m.messageId).toBe(base.messageId);
    expect(m.date?.toISOString()).toBe('2026-11-24T09:30:00.000Z');
    expect(m.headers.get('x-atmp-siren')).toBe('300000007');
    expect(m.text).toBe(base.texte);
    expect(m.html).toBe(base.html);
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0]).toMatchObject({ filename: base.fichier, contentType: 'application/pdf', contentDisposition: 'attachment' });
    expect(Buffer.compare(m.attachments[0].content, pdf)).toBe(0);
  });

  it('writes CRLF lines only, none over 998 characters, and is deterministic but for the date', () => {
    const brut = composerMessage(base).toString('latin1');
    expect(brut.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(Math.max(...brut.split('\r\n').map((l) => l.length))).toBeLessThanOrEqual(998);
    expect(composerMessage({ ...base }).equals(composerMessage(base))).toBe(true);
    expect(composerMessage({ ...base, date: new Date('2026-11-25T00:00:00Z') }).equals(composerMessage(base))).toBe(false);
  });

  it('encodes a non-ASCII header in words of at most 75 characters, never splitting a character', () => {
    const v = valeurEntete('é'.repeat(60) + '€œ«»');
    const mots = v.split('\r\n ');
    expect(mots.length).toBeGreaterThan(2);
    for (const w of mots) {
      expect(w.length).toBeLessThanOrEqual(75);
      const [, b64] = /^=\?UTF-8\?B\?(.*)\?=$/.exec(w)!;
      expect(Buffer.from(b64, 'base64').toString('utf8')).not.toContain('\ufffd');
    }
    expect(valeurEntete('plain ASCII')).toBe('plain ASCII');
  });

  it('quotes names and encodes a non-ASCII file name (RFC 2231)', async () => {
    const m = await simpleParser(composerMessage({ ...base, de: { nom: 'Carsat "Nord"', adresse: base.de.adresse }, fichier: 'notification é.pdf' }));
    expect(m.from?.value[0].name).toBe('Carsat "Nord"');
    expect(m.attachments[0].filename).toBe('notification é.pdf');
    const accent = await simpleParser(composerMessage({ ...base, de: { nom: 'Carsat Alsace-Moselle — Strasbourg', adresse: base.de.adresse } }));
    expect(accent.from?.value[0].name).toBe('Carsat Alsace-Moselle — Strasbourg');
  });

  it('refuses an address or a Message-ID that would inject headers', () => {
    expect(() => composerMessage({ ...base, a: 'x@y.fr\r\nBcc: z@w.fr' })).toThrow(/invalide/);
    expect(() => composerMessage({ ...base, messageId: '<a\r\nX: y@z>' })).toThrow(/invalide/);
  });
});
