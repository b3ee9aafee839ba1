/**
 * Notification settings from the environment (documented in pipelines/notifications/README.md):
 * ATMP_CARSAT_NOM, ATMP_CARSAT_ADRESSE (lines separated by `|`), ATMP_CARSAT_EMAIL (sender), ATMP_CARSAT_TELEPHONE,
 * ATMP_SMTP_URL (unset: .eml files in the outbox folder), ATMP_SMTP_POOL (connections, default 5),
 * ATMP_SMTP_RATE (messages per second, default unlimited), ATMP_SMTP_ESSAIS (attempts per message, default 5),
 * ATMP_SMTP_BACKOFF_MS (first retry delay, doubled at each attempt, default 1000), ATMP_NOTIFICATIONS_WORKERS
 * (rendering threads, default: available parallelism), ATMP_NOTIFICATION_PIECE_JOINTE (oui|non, default non: the
 * notice e-mail to a recipient with an online account carries the letter as a PDF attachment), ATMP_URL_PUBLIQUE
 * (the online account's address in the notice).
 */
import { availableParallelism } from 'node:os';
import { UserError } from '../../lib/errors.ts';
import { ouiNonEnv } from '../../lib/config.ts';
import type { Carsat } from '../../templates/notification.ts';

export interface NotificationsConfig {
  carsat: Carsat & { email: string };
  smtpUrl?: string;
  smtpPool: number;
  smtpRate?: number;
  essais: number;
  backoffMs: number;
  workers: number;
  /** the notice e-mail (recipient with an online account) carries the letter as a PDF attachment */
  pieceJointe: boolean;
  /** the online account's address (links in the notice) */
  urlPublique: string;
}

const entier = (env: NodeJS.ProcessEnv, nom: string, defaut: number, min = 0): number => {
  const v = env[nom]?.trim();
  if (!v) return defaut;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UserError(`${nom}=${v} : entier ≥ ${min} attendu`, 2);
  return n;
};

export function notificationsConfig(env: NodeJS.ProcessEnv = process.env): NotificationsConfig {
  const rate = env.ATMP_SMTP_RATE?.trim();
  return {
    carsat: {
      nom: env.ATMP_CARSAT_NOM?.trim() || 'Carsat Nord-Picardie',
      adresse: (env.ATMP_CARSAT_ADRESSE?.trim() || '11 allée Vauban|59662 Villeneuve-d’Ascq Cedex').split('|').map((l) => l.trim()).filter(Boolean),
      email: env.ATMP_CARSAT_EMAIL?.trim() || 'tarification@carsat-nordpicardie.fr',
      telephone: env.ATMP_CARSAT_TELEPHONE?.trim() || undefined,
    },
    smtpUrl: env.ATMP_SMTP_URL?.trim() || undefined,
    smtpPool: entier(env, 'ATMP_SMTP_POOL', 5, 1),
    smtpRate: rate ? entier(env, 'ATMP_SMTP_RATE', 0, 1) : undefined,
    essais: entier(env, 'ATMP_SMTP_ESSAIS', 5, 1),
    backoffMs: entier(env, 'ATMP_SMTP_BACKOFF_MS', 1000, 0),
    workers: entier(env, 'ATMP_NOTIFICATIONS_WORKERS', availableParallelism(), 0),
    pieceJointe: ouiNonEnv(env, 'ATMP_NOTIFICATION_PIECE_JOINTE', false),
    urlPublique: (env.ATMP_URL_PUBLIQUE?.trim() || 'http://localhost:8080').replace(/\/+$/, ''),
  };
}
