/**
 * The notification e-mail as a MIME message (RFC 5322 / 2045–2047 / 2183 / 2231), composed here in one pass: a
 * multipart/mixed holding a multipart/alternative (text, then HTML: UTF-8, base64) and the PDF (base64). nodemailer
 * composed the same structure through a chain of streams at ~1.3 ms per message, most of a send's time; this takes
 * ~0.1 ms. The SMTP transport sends the bytes as they are (nodemailer `raw`, with an explicit envelope), the outbox
 * writes them as the .eml file.
 *
 * Deterministic except for the Date header (the time of sending): boundaries derive from the Message-ID, which
 * itself derives from the PDF's hash.
 */
import { createHash } from 'node:crypto';

export interface MessageMime {
  de: { nom: string; adresse: string };
  a: string;
  sujet: string;
  messageId: string;
  date: Date;
  texte: string;
  html: string;
  fichier: string;
  pdf: Uint8Array;
  /** extra headers (ASCII names; values encoded when not ASCII) */
  entetes?: Record<string, string>;
}

const CRLF = '\r\n';
const ASCII_IMPRIMABLE = /^[\x20-\x7e]*$/;

/** base64 in lines of 76 characters, CRLF-terminated. */
export function base64Lignes(octets: Uint8Array): string {
  const b = Buffer.from(octets.buffer, octets.byteOffset, octets.byteLength).toString('base64');
  const lignes: string[] = [];
  for (let i = 0; i < b.length; i += 76) lignes.push(b.slice(i, i + 76));
  return lignes.join(CRLF) + CRLF;
}

/**
 * A header value: as is when printable ASCII, else RFC 2047 encoded-words (UTF-8, base64), each at most 75
 * characters, never splitting a character across two words, separated by folding whitespace.
 */
export function valeurEntete(v: string): string {
  if (ASCII_IMPRIMABLE.test(v)) return v;
  const mots: string[] = [];
  let courant = '';
  for (const c of v) {
    // 45 bytes of UTF-8 → 60 base64 characters + 12 for =?UTF-8?B?…?=: at most 72
    if (Buffer.byteLength(courant + c) > 45) {
      mots.push(courant);
      courant = '';
    }
    courant += c;
  }
  if (courant) mots.push(courant);
  return mots.map((m) => `=?UTF-8?B?${Buffer.from(m).toString('base64')}?=`).join(`${CRLF} `);
}

/** A mailbox: `"Name" <address>` (quoted ASCII name) or `=?UTF-8?B?…?= <address>`. */
export function boite(nom: string, adresse: string): string {
  if (!nom) return adresse;
  const n = ASCII_IMPRIMABLE.test(nom) ? `"${nom.replace(/(["\\])/g, '\\$1')}"` : valeurEntete(nom);
  return `${n} <${adresse}>`;
}

/** A file name parameter: plain when it is a simple ASCII token, else RFC 2231 (UTF-8, percent-encoded). */
function parametreNom(param: string, nom: string): string {
  if (/^[A-Za-z0-9._-]+$/.test(nom)) return `${param}="${nom}"`;
  const enc = Array.from(Buffer.from(nom)).map((b) => (/[A-Za-z0-9._-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  return `${param}*=UTF-8''${enc}`;
}

/** RFC 5322 date, in UTC. */
export function dateMime(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

export function composerMessage(m: MessageMime): Buffer {
  if (/[\r\n]/.test(m.a) || /[\r\n<>]/.test(m.messageId.slice(1, -1))) throw new Error('adresse ou Message-ID invalide');
  const graine = createHash('sha256').update(m.messageId).digest('hex').slice(0, 24);
  const mixte = `----atmp-mixed-${graine}`;
  const alternative = `----atmp-alt-${graine}`;
  const entetes = [
    `From: ${boite(m.de.nom, m.de.adresse)}`,
    `To: ${m.a}`,
    `Subject: ${valeurEntete(m.sujet)}`,
    `Message-ID: ${m.messageId}`,
    `Date: ${dateMime(m.date)}`,
    ...Object.entries(m.entetes ?? {}).map(([k, v]) => `${k}: ${valeurEntete(v)}`),
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${mixte}"`,
  ];
  const partie = (type: string, contenu: string) =>
    `Content-Type: ${type}; charset=utf-8${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}${base64Lignes(Buffer.from(contenu))}`;
  const corps = [
    entetes.join(CRLF),
    '',
    `--${mixte}`,
    `Content-Type: multipart/alternative; boundary="${alternative}"`,
    '',
    `--${alternative}`,
    partie('text/plain', m.texte.replace(/\r?\n/g, CRLF)),
    `--${alternative}`,
    partie('text/html', m.html.replace(/\r?\n/g, CRLF)),
    `--${alternative}--`,
    `--${mixte}`,
    `Content-Type: application/pdf; ${parametreNom('name', m.fichier)}`,
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment; ${parametreNom('filename', m.fichier)}`,
    '',
    base64Lignes(m.pdf) + `--${mixte}--`,
    '',
  ].join(CRLF);
  return Buffer.from(corps, 'utf8');
}
