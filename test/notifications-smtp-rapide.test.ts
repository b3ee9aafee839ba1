/**
 * The fast path of nodemailer's SMTP DATA stream (pipelines/notifications/smtp-rapide.ts) against nodemailer's own
 * byte walk: the same output bytes and counters for composed messages cut into chunks anywhere, and for texts full
 * of bare CR, bare LF and dots at line starts; and it is the path a composed message takes.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import DataStream from 'nodemailer/lib/smtp-connection/data-stream';
import { accelererSmtp } from '../pipelines/notifications/smtp-rapide.ts';
import { composerMessage } from '../pipelines/notifications/mime.ts';

type Flux = { _transform(c: Buffer, e: string, d: () => void): void; _flush(d: () => void): void; read(): Buffer | null; inByteCount: number; outByteCount: number };
const proto = (DataStream as unknown as { prototype: Flux }).prototype;

/** The stream's output for the given chunks, with one _transform (fast path or nodemailer's). */
function passer(transform: Flux['_transform'], morceaux: Buffer[]) {
  const d = new (DataStream as unknown as new () => Flux)();
  const sortie: Buffer[] = [];
  for (const m of morceaux) {
    transform.call(d, m, 'buffer', () => {});
    for (let b = d.read(); b; b = d.read()) sortie.push(b);
  }
  d._flush(() => {});
  for (let b = d.read(); b; b = d.read()) sortie.push(b);
  return { octets: Buffer.concat(sortie), entree: d.inByteCount, sortie: d.outByteCount };
}

function couper(b: Buffer, graine: number): Buffer[] {
  const out: Buffer[] = [];
  let x = graine;
  for (let i = 0; i < b.length; ) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const n = 1 + (x % 9000);
    out.push(b.subarray(i, i + n));
    i += n;
  }
  return out;
}

describe('SMTP DATA fast path', () => {
  const origine = proto._transform;
  expect(accelererSmtp()).toBe(true);
  const rapide = proto._transform;

  it('is installed on the pinned nodemailer', () => {
    expect(rapide).not.toBe(origine);
  });

  it('gives the bytes and counters of nodemailer’s walk, however the message is cut', () => {
    const message = composerMessage({
      de: { nom: 'Carsat', adresse: 'tarification@carsat.example.fr' }, a: 'paie@example.fr', sujet: 'Taux AT/MP 2024',
      messageId: '<atmp.2024.1@carsat.example.fr>', date: new Date('2026-11-24T09:30:00Z'),
      texte: 'Madame,\n.\n..point en tête\r\nfin', html: '<p>.</p>\n.', fichier: 'n.pdf', pdf: randomBytes(40_000),
    });
    const bruts = [
      message,
      Buffer.from('.début\n.\r.\r\n\r\r\n\n..x\r'),
      Buffer.from('a\r\nb\nc\rd\r\n.e\r\n'),
      Buffer.from('CRLF seulement\r\n.un point\r\n..deux\r\nfin\r\n'),
      Buffer.concat([message, Buffer.from('\n.\r'), message]),
      Buffer.from(randomBytes(5000).map((b) => [0x0a, 0x0d, 0x2e, 0x41][b & 3])),
    ];
    for (const [i, brut] of bruts.entries()) {
      for (const graine of [1, 7, 42, 1234]) {
        const morceaux = i === 0 && graine === 1 ? [brut] : couper(brut, graine);
        expect(passer(rapide, morceaux), `message ${i}, découpe ${graine}`).toEqual(passer(origine, morceaux));
      }
    }
  });

  it('passes a composed message on without walking it', () => {
    const message = composerMessage({
      de: { nom: 'Carsat', adresse: 'tarification@carsat.example.fr' }, a: 'paie@example.fr', sujet: 'Taux',
      messageId: '<atmp.2024.2@carsat.example.fr>', date: new Date('2026-11-24T09:30:00Z'),
      texte: 'Madame,\n.\nfin', html: '<p>x</p>', fichier: 'n.pdf', pdf: randomBytes(10_000),
    });
    const d = new (DataStream as unknown as new () => Flux)();
    rapide.call(d, message, 'buffer', () => {});
    // the very chunk, not a copy: nothing was inserted
    expect(d.read()).toBe(message);
  });
});
