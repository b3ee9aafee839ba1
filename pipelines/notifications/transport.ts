/**
 * Where notification e-mails go: SMTP when ATMP_SMTP_URL is set (nodemailer 10 pooled transport, ATMP_SMTP_POOL
 * connections, ATMP_SMTP_RATE messages per second), else `.eml` files in <ATMP_OUT_DIR>/outbox/<annee>/ so the
 * default works offline. Either way the message is composed by mime.ts. The outbox file is written atomically
 * (temporary name, then rename): its presence means "delivered", which resolves a crash between delivery and the
 * ledger update without guessing.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { NotificationsConfig } from './config.ts';
import { composerMessage } from './mime.ts';
import { accelererSmtp } from './smtp-rapide.ts';

export interface Message {
  siren: string;
  messageId: string;
  a: string;
  sujet: string;
  html: string;
  texte: string;
  fichier: string;
  pdf: Buffer;
}

/**
 * ok: accepted. permanente: refused for good (5xx). transitoire: certainly not accepted, retry later (4xx,
 * connection refused). incertaine: the message may have been accepted (connection lost during or after DATA).
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

/** The message's bytes (mime.ts), dated now. */
function brut(config: NotificationsConfig, m: Message): Buffer {
  return composerMessage({
    de: { nom: config.carsat.nom, adresse: config.carsat.email }, a: m.a, sujet: m.sujet, messageId: m.messageId, date: new Date(),
    texte: m.texte, html: m.html, fichier: m.fichier, pdf: m.pdf, entetes: { 'X-ATMP-Siren': m.siren },
  });
}

/** Reads a nodemailer error: permanent for 5xx, transient when nothing can have been accepted, else uncertain. */
export function natureErreur(e: { responseCode?: number; code?: string; command?: string }): 'permanente' | 'transitoire' | 'incertaine' {
  if (e.responseCode && e.responseCode >= 500) return 'permanente';
  if (e.responseCode && e.responseCode >= 400) return 'transitoire';
  // no SMTP reply: a connection that could not be opened delivered nothing; a connection lost after the data
  // was sent may have delivered it
  if (e.code === 'ECONNECTION' || e.code === 'EDNS' || e.command === 'CONN') return 'transitoire';
  return 'incertaine';
}

export function creerExpediteur(config: NotificationsConfig, outbox: string): Expediteur {
  if (!config.smtpUrl) {
    mkdirSync(outbox, { recursive: true });
    const chemin = (siren: string) => join(outbox, `${siren}.eml`);
    return {
      description: `fichiers .eml dans ${outbox}`,
      parallelisme: 4,
      async envoyer(m) {
        const tmp = `${chemin(m.siren)}.${process.pid}.tmp`;
        writeFileSync(tmp, brut(config, m));
        renameSync(tmp, chemin(m.siren));
        return { ok: true, reponse: `écrit ${chemin(m.siren)}` };
      },
      verifier: (siren) => (existsSync(chemin(siren)) ? 'livre' : 'absent'),
      fermer: async () => {},
    };
  }
  // the DATA stream passes mime.ts's messages on without its per-byte walk (smtp-rapide.ts)
  accelererSmtp();
  const t = nodemailer.createTransport({
    url: config.smtpUrl,
    pool: true,
    maxConnections: config.smtpPool,
    maxMessages: 100,
    ...(config.smtpRate ? { rateDelta: 1000, rateLimit: config.smtpRate } : {}),
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    description: `SMTP ${config.smtpUrl.replace(/\/\/[^@/]*@/, '//***@')} (${config.smtpPool} connexions${config.smtpRate ? `, ${config.smtpRate}/s` : ''})`,
    parallelisme: config.smtpPool * 2,
    async envoyer(m) {
      try {
        // the composed bytes as they are, with the envelope they name (nodemailer does not parse a raw message)
        const info = await t.sendMail({ envelope: { from: config.carsat.email, to: [m.a] }, raw: brut(config, m) });
        if (info.rejected?.length) return { ok: false, nature: 'permanente', erreur: `refusé : ${info.rejected.join(', ')} ${info.response ?? ''}` };
        return { ok: true, reponse: String(info.response ?? '') };
      } catch (e) {
        const err = e as Error & { responseCode?: number; code?: string; command?: string; response?: string };
        return { ok: false, nature: natureErreur(err), erreur: `${err.responseCode ?? err.code ?? ''} ${err.response ?? err.message}`.trim() };
      }
    },
    fermer: async () => t.close(),
  };
}
