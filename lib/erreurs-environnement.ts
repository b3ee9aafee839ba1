/**
 * Environment failures told as one French line with a configuration exit code, instead of an internal error with
 * stack traces: a DATABASE_URL that does not lead to a usable database, an output or data folder that cannot be
 * written, a full disk. Internal errors keep their stack but never print a whole SQL statement.
 */
import { CODE_CONFIG, ConfigError, loadConfig } from './config.ts';
import { UserError } from './errors.ts';

/** exit code of an input/output failure (sysexits.h EX_IOERR) */
export const CODE_IO = 74;

/** The URL without its password, to be shown. */
export function urlAffichable(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(illisible)';
  }
}

/** A failure to connect to (or use) the database of DATABASE_URL, as a ConfigError; undefined if it is not one. */
export function erreurConnexion(e: unknown, url: string): ConfigError | undefined {
  const err = e as NodeJS.ErrnoException & { code?: string; hostname?: string };
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    /* validated by loadConfig */
  }
  const hote = `${u?.hostname ?? '?'}:${u?.port || '5432'}`;
  const role = decodeURIComponent(u?.username || '') || '(utilisateur du système)';
  const base = decodeURIComponent(u?.pathname.slice(1) || '') || role;
  const dire = (quoi: string) => new ConfigError(`configuration : DATABASE_URL ${urlAffichable(url)} : ${quoi}`);
  switch (err?.code) {
    case 'ECONNREFUSED': return dire(`aucun serveur PostgreSQL n'accepte de connexion sur ${hote} (connexion refusée : serveur arrêté ou mauvais port ?)`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return dire(`hôte ${u?.hostname} introuvable`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH': return dire(`serveur ${hote} injoignable (${err.code})`);
    case 'ECONNRESET': return dire(`connexion coupée par ${hote} (est-ce bien un serveur PostgreSQL ?)`);
    case '28P01': return dire(`mot de passe refusé pour le rôle « ${role} »`);
    case '28000': return dire(`rôle « ${role} » refusé par le serveur (rôle inexistant ou non autorisé par pg_hba.conf)`);
    case '3D000': return dire(`la base « ${base} » n'existe pas sur ${hote} (createdb ${base})`);
    case '42501': return dire(`le rôle « ${role} » n'a pas les droits nécessaires sur la base « ${base} » (création de tables, lecture, écriture)`);
    case '57P03': return dire(`le serveur ${hote} démarre ou s'arrête : réessayez dans un instant`);
    case '53300': return dire(`le serveur ${hote} refuse de nouvelles connexions (trop de connexions)`);
  }
  if (/self[- ]signed|certificate|SSL|ssl/.test(String(err?.message))) return dire(`échec TLS (${String(err.message).split('\n')[0]})`);
  return undefined;
}

const ECRITURE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOENT', 'ENOTDIR', 'EEXIST', 'EISDIR']);

/** A file-system failure on the configured output or data folder, or a full disk, as a one-line UserError. */
export function erreurFichiers(e: unknown): UserError | undefined {
  const err = e as NodeJS.ErrnoException;
  if (!err?.code) return undefined;
  if (err.code === 'ENOSPC' || err.code === 'EDQUOT') return new UserError(`disque plein${err.path ? ` en écrivant ${err.path}` : ''} : libérez de la place puis relancez (rien n'est laissé à demi écrit)`, CODE_IO);
  if (!ECRITURE.has(err.code) || !err.path || !['mkdir', 'open', 'write', 'rename', 'copyfile', 'unlink', 'rmdir'].includes(err.syscall ?? '')) return undefined;
  let config;
  try {
    config = loadConfig();
  } catch {
    return undefined;
  }
  const raison = err.code === 'ENOENT' || err.code === 'ENOTDIR' ? 'chemin impossible (un dossier parent manque ou est un fichier)' : err.code === 'EEXIST' ? 'un fichier porte déjà ce nom' : 'écriture refusée';
  for (const [nom, dossier] of [['ATMP_OUT_DIR', config.outDir], ['ATMP_DATA_DIR', config.dataDir]] as const) {
    if (err.path === dossier || err.path.startsWith(dossier + '/')) {
      return new ConfigError(`configuration : dossier ${nom}=${dossier} inutilisable : ${raison} sur ${err.path} (${err.code})`);
    }
  }
  return undefined;
}

/** The message of an internal error without the SQL statement knex prefixes it with (`insert into … - reason`). */
export function messageSansSql(e: unknown): string {
  const err = e as Error & { code?: string };
  let m = String(err?.message ?? e);
  const sql = /^\s*(select|insert|update|delete|with|create|alter|drop|copy|begin|commit|set|lock|truncate)\b[\s\S]*? - ([^\n]*)$/i.exec(m);
  if (sql) m = sql[2];
  if (m.length > 500) m = m.slice(0, 500) + '…';
  return `${m}${err?.code && /^[0-9A-Z]{5}$/.test(err.code) ? ` (PostgreSQL ${err.code})` : ''}`;
}

/** The stack frames of an error, without its message (which may hold SQL). */
export function pileSansMessage(e: unknown, max = 12): string {
  const frames = String((e as Error)?.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
  return frames.slice(0, max).join('\n');
}

export { CODE_CONFIG };
