/**
 * Where notification e-mails go: SMTP when ATMP_SMTP_URL is set (nodemailer's pooled SMTP transport,
 * ATMP_SMTP_POOL connections, ATMP_SMTP_RATE messages per second), else `.eml` files in
 * <ATMP_OUT_DIR>/outbox/<annee>/ so the default works offline. Both paths hand the same mail options
 * (`optionsCourriel`) to nodemailer, which composes the message: its SMTP transport, or its stream transport for
 * the `.eml` file. The outbox file is written atomically (temporary name, then rename): its presence means
 * "delivered", which resolves a crash between delivery and the ledger update without guessing.
 *
 * Never twice (SMTP): a failure is retryable only when the server cannot have accepted the message, that is when
 * it answered 4xx, or when the connection failed before nodemailer had read the whole message into the DATA
 * stream (the final dot is written only after that). Once the whole message was handed to the connection, a lost
 * connection without a reply leaves the message uncertain ("à vérifier"): it is never resent automatically.
 */
import { existsSync, mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type { NotificationsConfig } from './config.ts';

export interface Message {
  siren: string;
  messageId: string;
  a: string;
  sujet: string;
  html: string;
  texte: string;
  fichier: string;
  /** the letter, attached when given (a notice of availability carries none unless configured) */
  pdf?: Buffer;
}

/**
 * ok: accepted. permanente: refused for good (5xx). transitoire: certainly not accepted, retry later (4xx, or the
 * connection failed before the whole message was handed to it). incertaine: the message may have been accepted
 * (the whole message was handed to the connection, then it was lost without a reply).
 */
export type ResultatEnvoi = { ok: true; reponse: string } | { ok: false; nature: 'permanente' | 'transitoire' | 'incertaine'; erreur: string };

export interface Expediteur {
  description: string;
  /** messages sent concurrently */
  parallelisme: number;
  envoyer(m: Message): Promise<ResultatEnvoi>;
  /** for a row left 'envoi_en_cours': was it delivered? (undefined: cannot tell) */
  verifier?(siren: string): 'livre' | 'absent';
  fermer(): Promise<void>;
}

/** The mail options of a notification, the same for both transports (nodemailer composes the message). */
export function optionsCourriel(config: NotificationsConfig, m: Message): Mail.Options {
  return {
    from: { name: config.carsat.nom, address: config.carsat.email },
    to: m.a,
    subject: m.sujet,
    messageId: m.messageId,
    date: new Date(),
    text: m.texte,
    html: m.html,
    attachments: m.pdf ? [{ filename: m.fichier, content: m.pdf, contentType: 'application/pdf' }] : [],
    headers: { 'X-ATMP-Siren': m.siren },
  };
}

/** The message as nodemailer composes it (its stream transport, CRLF line ends): the `.eml` file's bytes. */
export async function composerCourriel(config: NotificationsConfig, m: Message): Promise<Buffer> {
  const info = await composeur.sendMail(optionsCourriel(config, m));
  return info.message as Buffer;
}
const composeur = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

/**
 * Reads a nodemailer error: a reply of the server decides (5xx permanent, 4xx transient); without a reply, the
 * message is uncertain if it was wholly handed to the connection (`remis`), else transient.
 */
export function natureErreur(e: { responseCode?: number }, remis: boolean): 'permanente' | 'transitoire' | 'incertaine' {
  if (e.responseCode && e.responseCode >= 500) return 'permanente';
  if (e.responseCode && e.responseCode >= 400) return 'transitoire';
  return remis ? 'incertaine' : 'transitoire';
}

/** Per message: set once the SMTP connection has read the whole message (its DATA stream then ends with the dot). */
interface Suivi {
  remis: boolean;
}

export function creerExpediteur(config: NotificationsConfig, outbox: string): Expediteur {
  if (!config.smtpUrl) {
    mkdirSync(outbox, { recursive: true });
    const chemin = (siren: string) => join(outbox, `${siren}.eml`);
    return {
      description: `fichiers .eml dans ${outbox}`,
      parallelisme: 4,
      async envoyer(m) {
        const octets = await composerCourriel(config, m);
        const tmp = `${chemin(m.siren)}.${process.pid}.tmp`;
        try {
          writeFileSync(tmp, octets);
          renameSync(tmp, chemin(m.siren));
        } catch (e) {
          if (existsSync(tmp)) unlinkSync(tmp);
          throw e;
        }
        return { ok: true, reponse: `écrit ${chemin(m.siren)}` };
      },
      verifier: (siren) => (existsSync(chemin(siren)) ? 'livre' : 'absent'),
      fermer: async () => {},
    };
  }
  const t = nodemailer.createTransport({
    url: config.smtpUrl,
    pool: true,
    maxConnections: config.smtpPool,
    maxMessages: 100,
    ...(config.smtpRate ? { rateDelta: 1000, rateLimit: config.smtpRate } : {}),
  } as Parameters<typeof nodemailer.createTransport>[0]);
  // messages in flight, by their Message-ID (a documented mail option, found again in the plugin's mail.data)
  const suivis = new Map<string, Suivi>();
  // nodemailer's plugin API (a 'stream' plugin and the message's processFunc, both public): the stream the
  // connection reads the message from (after DATA was accepted) passes through here, so the end of that stream
  // tells that the whole message was handed to the connection
  t.use('stream', (mail, done) => {
    const suivi = suivis.get(String(mail.data.messageId));
    if (suivi) {
      mail.message.processFunc((entree: Readable) => {
        const sortie = new PassThrough();
        sortie.once('end', () => (suivi.remis = true));
        pipeline(entree, sortie, () => {});
        return sortie;
      });
    }
    done();
  });
  return {
    description: `SMTP ${config.smtpUrl.replace(/\/\/[^@/]*@/, '//***@')} (${config.smtpPool} connexions${config.smtpRate ? `, ${config.smtpRate}/s` : ''})`,
    // one message per connection at a time: a message handed to nodemailer starts its SMTP transaction at once
    parallelisme: config.smtpPool,
    async envoyer(m) {
      const suivi: Suivi = { remis: false };
      suivis.set(m.messageId, suivi);
      try {
        const info = await t.sendMail({ ...optionsCourriel(config, m), envelope: { from: config.carsat.email, to: [m.a] } });
        if (info.rejected?.length) return { ok: false, nature: 'permanente', erreur: `refusé : ${info.rejected.join(', ')} ${info.response ?? ''}` };
        return { ok: true, reponse: String(info.response ?? '') };
      } catch (e) {
        const err = e as Error & { responseCode?: number; code?: string; response?: string };
        return { ok: false, nature: natureErreur(err, suivi.remis), erreur: `${err.responseCode ?? err.code ?? ''} ${err.response ?? err.message}`.trim() };
      } finally {
        suivis.delete(m.messageId);
      }
    },
    fermer: async () => t.close(),
  };
}
