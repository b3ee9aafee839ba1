/**
 * Configuration from the environment, validated in one place (every variable is listed in the README and in
 * docs/exploitation.md). A bad value is a ConfigError — one French line, exit code 78 (EX_CONFIG) — never a NaN
 * or a default silently taken instead. The notification settings (ATMP_SMTP_*, ATMP_CARSAT_*) are read by
 * pipelines/notifications/config.ts with the same helpers.
 */
import { resolve } from 'node:path';
import { UserError } from './errors.ts';

/** exit code of a configuration or environment error (sysexits.h EX_CONFIG) */
export const CODE_CONFIG = 78;

export class ConfigError extends UserError {
  constructor(message: string) {
    super(message, CODE_CONFIG);
    this.name = 'ConfigError';
  }
}

export interface Config {
  /** postgres://… when set: real PostgreSQL; unset: embedded PGlite in dataDir */
  databaseUrl: string | undefined;
  /** data folder of the embedded database */
  dataDir: string;
  /** root of every output (PDFs, outbox, reports, statistics) */
  outDir: string;
  /** seconds an ingestion or a campaign waits for the data lock before being refused (0: refused at once) */
  attenteVerrouS: number;
  /** ATMP_QUIET=1: no progress output */
  quiet: boolean;
  /** minimum time between two progress lines when stderr is not a terminal */
  progressIntervalMs: number;
  /** DSN reader threads (undefined: one per core, at most 4; 0: read in the main thread) */
  dsnLecteurs: number | undefined;
}

/** A whole number within [min, max] from variable `nom`, or `defaut` when unset or empty. */
export function entierEnv(env: NodeJS.ProcessEnv, nom: string, defaut: number, min: number, max: number): number;
export function entierEnv(env: NodeJS.ProcessEnv, nom: string, defaut: undefined, min: number, max: number): number | undefined;
export function entierEnv(env: NodeJS.ProcessEnv, nom: string, defaut: number | undefined, min: number, max: number): number | undefined {
  const v = env[nom]?.trim();
  if (!v) return defaut;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new ConfigError(`configuration : ${nom}="${v}" invalide (entier de ${min} à ${max} attendu)`);
  return Number(v);
}

/** A yes/no variable: 1/0, true/false, oui/non. */
export function booleenEnv(env: NodeJS.ProcessEnv, nom: string): boolean {
  const v = env[nom]?.trim().toLowerCase();
  if (!v) return false;
  if (['1', 'true', 'oui', 'yes'].includes(v)) return true;
  if (['0', 'false', 'non', 'no'].includes(v)) return false;
  throw new ConfigError(`configuration : ${nom}="${env[nom]}" invalide (1 ou 0 attendu)`);
}

/** DATABASE_URL: a postgres:// or postgresql:// URL with a host; anything else (mysql://, a path…) is refused. */
export function verifierDatabaseUrl(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new ConfigError('configuration : DATABASE_URL illisible (postgres://utilisateur@hôte:port/base attendu)');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new ConfigError(`configuration : DATABASE_URL en ${u.protocol.replace(/:$/, '')}:// non prise en charge (atmp fonctionne sur PostgreSQL : postgres://utilisateur@hôte:port/base, ou laissez-la vide pour la base embarquée)`);
  }
  if (!u.hostname) throw new ConfigError('configuration : DATABASE_URL sans hôte (postgres://utilisateur@hôte:port/base attendu)');
  if (u.port && (Number(u.port) < 1 || Number(u.port) > 65535)) throw new ConfigError(`configuration : DATABASE_URL : port ${u.port} invalide`);
  return v;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const url = env.DATABASE_URL?.trim() || undefined;
  return {
    databaseUrl: url === undefined ? undefined : verifierDatabaseUrl(url),
    dataDir: resolve(env.ATMP_DATA_DIR?.trim() || '.atmp/db'),
    outDir: resolve(env.ATMP_OUT_DIR?.trim() || 'out'),
    attenteVerrouS: entierEnv(env, 'ATMP_ATTENTE_VERROU_S', 0, 0, 86_400),
    quiet: booleenEnv(env, 'ATMP_QUIET'),
    progressIntervalMs: entierEnv(env, 'ATMP_PROGRESS_INTERVAL_MS', 5000, 0, 3_600_000),
    dsnLecteurs: entierEnv(env, 'ATMP_DSN_LECTEURS', undefined, 0, 64),
  };
}
