/**
 * E-mails of the online account: the sign-in link (the notice "votre notification est disponible" is the e-mail of
 * the notification outbox, templates/mail.ts). It carries no personal data. SMTP when ATMP_SMTP_URL is set (nodemailer), else `.eml` files
 * (CRLF, RFC 5322) in <ATMP_OUT_DIR>/outbox/compte/, so that nothing leaves the machine by default.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { loadConfig } from '../../lib/config.ts';
import { notificationsConfig } from '../notifications/config.ts';

export interface CourrielCompte {
  a: string;
  sujet: string;
  texte: string;
  /** name of the .eml file when there is no SMTP */
  nom: string;
}

export interface Courrier {
  description: string;
  envoyer(m: CourrielCompte): Promise<void>;
  fermer(): Promise<void>;
}

export function creerCourrier(env: NodeJS.ProcessEnv = process.env): Courrier {
  const cfg = notificationsConfig(env);
  const de = { name: cfg.carsat.nom, address: cfg.carsat.email };
  if (cfg.smtpUrl) {
    const t = nodemailer.createTransport({ url: cfg.smtpUrl } as never);
    return {
      description: 'SMTP',
      envoyer: async (m) => {
        await t.sendMail({ from: de, to: m.a, subject: m.sujet, text: m.texte });
      },
      fermer: async () => t.close(),
    };
  }
  const dossier = join(loadConfig(env).outDir, 'outbox', 'compte');
  const t = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    description: `fichiers .eml dans ${dossier}`,
    envoyer: async (m) => {
      const info = await t.sendMail({ from: de, to: m.a, subject: m.sujet, text: m.texte });
      mkdirSync(dossier, { recursive: true });
      writeFileSync(join(dossier, `${m.nom}.eml`), info.message as Buffer);
    },
    fermer: async () => t.close(),
  };
}

export function courrielLien(carsat: string, a: string, lien: string, minutes: number, nom: string): CourrielCompte {
  return {
    a, nom,
    sujet: `${carsat} : votre lien de connexion au compte AT/MP`,
    texte: [
      'Bonjour,',
      '',
      `Pour vous connecter à votre compte AT/MP, ouvrez ce lien dans les ${minutes} minutes :`,
      lien,
      '',
      'Il ne sert qu’une fois. Si vous n’avez rien demandé, ignorez ce message : personne ne peut se connecter sans ce lien.',
      '',
      carsat,
    ].join('\n'),
  };
}
