/**
 * The data lock: an ingestion (DSN, référentiel, sinistres, the nightly depot job) and a campaign run never
 * interleave, so a campaign never rates half-loaded data. Ingestions take it exclusively, campaign runs (real or
 * --dry-run) shared: several campaigns of different years may run together, an ingestion waits for them (up to
 * ATMP_ATTENTE_VERROU_S seconds) or is refused with a message naming the command holding the data, and the
 * other way round.
 *
 * On PostgreSQL the lock is an advisory lock on a dedicated connection (it dies with the process); on PGlite (one
 * process per data folder) it is kept in this process. The table verrou_donnees only names the holders.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../lib/db.ts';
import { UserError } from '../lib/errors.ts';
import { loadConfig } from '../lib/config.ts';
import { idPglite } from './ledger.ts';

export type ModeVerrou = 'partage' | 'exclusif';

const CLE = 'atmp:donnees';
/** exit code of a refusal because another command holds the data (EX_TEMPFAIL: try again later) */
export const CODE_VERROU_TENU = 75;

type LockConn = { query: (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }> };

/** PGlite: the holders of each data folder (or in-memory instance) in this process. */
const locaux = new Map<string, { exclusif: number; partage: number }>();

async function tenter(db: Db, mode: ModeVerrou): Promise<(() => Promise<void>) | null> {
  if (db.backend === 'pglite') {
    const k = idPglite(db);
    const etat = locaux.get(k) ?? { exclusif: 0, partage: 0 };
    if (etat.exclusif || (mode === 'exclusif' && etat.partage)) return null;
    if (mode === 'exclusif') etat.exclusif++;
    else etat.partage++;
    locaux.set(k, etat);
    return async () => {
      if (mode === 'exclusif') etat.exclusif--;
      else etat.partage--;
      if (!etat.exclusif && !etat.partage) locaux.delete(k);
    };
  }
  const fn = mode === 'exclusif' ? 'pg_try_advisory_lock' : 'pg_try_advisory_lock_shared';
  const client = db.knex.client as { acquireConnection(): Promise<LockConn>; releaseConnection(c: LockConn): Promise<void> };
  const conn = await client.acquireConnection();
  let ok = false;
  try {
    ok = !!(await conn.query(`select ${fn}(hashtextextended($1, 0)) as ok`, [CLE])).rows[0].ok;
  } finally {
    if (!ok) await client.releaseConnection(conn);
  }
  if (!ok) return null;
  return async () => {
    try {
      await conn.query(`select pg_advisory_unlock${mode === 'partage' ? '_shared' : ''}(hashtextextended($1, 0))`, [CLE]);
    } finally {
      await client.releaseConnection(conn);
    }
  };
}

const attendre = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes the data lock for `commande` (e.g. "ingest dsn", "campagne run --annee 2026"); returns its release.
 * Waits up to `attenteS` seconds (default ATMP_ATTENTE_VERROU_S), then refuses naming the holders.
 */
export async function verrouillerDonnees(db: Db, commande: string, mode: ModeVerrou, attenteS = loadConfig().attenteVerrouS): Promise<() => Promise<void>> {
  const limite = Date.now() + attenteS * 1000;
  let liberer = await tenter(db, mode);
  while (!liberer && Date.now() < limite) {
    await attendre(Math.min(500, Math.max(0, limite - Date.now())));
    liberer = await tenter(db, mode);
  }
  if (!liberer) {
    const conflits = await db.knex('verrou_donnees')
      .modify((q) => (mode === 'partage' ? q.where({ mode: 'exclusif' }) : q))
      // PGlite: only this process can hold the lock, rows of dead processes are left over
      .modify((q) => (db.backend === 'pglite' ? q.where({ pid: process.pid, hote: hostname() }) : q))
      .orderBy('depuis', 'desc');
    const qui = conflits.length
      ? conflits.map((c: Record<string, any>) => `« atmp ${c.commande} » (processus ${c.pid} sur ${c.hote}, depuis ${new Date(c.depuis).toISOString().slice(0, 19).replace('T', ' ')} UTC)`).join(', ')
      : mode === 'exclusif' ? 'une campagne ou une autre ingestion' : 'une ingestion';
    throw new UserError(
      `atmp ${commande} refusé : les données sont en cours d'utilisation par ${qui} ; ${mode === 'exclusif' ? "une ingestion ne s'intercale jamais dans un calcul de campagne" : 'une campagne ne tarife jamais des données à demi chargées'}, relancez après sa fin (ou ATMP_ATTENTE_VERROU_S=secondes pour attendre)`,
      CODE_VERROU_TENU,
    );
  }
  const jeton = randomUUID();
  try {
    // rows left by killed processes: an exclusive holder knows nobody else holds the lock; a shared one knows no
    // ingestion does
    await db.knex('verrou_donnees').modify((q) => (mode === 'partage' ? q.where({ mode: 'exclusif' }) : q)).del();
    await db.knex('verrou_donnees').insert({ jeton, commande, mode, pid: process.pid, hote: hostname() });
  } catch (e) {
    await liberer();
    throw e;
  }
  const l = liberer;
  return async () => {
    try {
      await db.knex('verrou_donnees').where({ jeton }).del();
    } catch {
      /* the database is gone: the lock goes with it */
    }
    await l();
  };
}

/** Runs fn holding the data lock. */
export async function avecVerrouDonnees<T>(db: Db, commande: string, mode: ModeVerrou, fn: () => Promise<T>): Promise<T> {
  const liberer = await verrouillerDonnees(db, commande, mode);
  try {
    return await fn();
  } finally {
    await liberer();
  }
}
