/**
 * The job-run ledger and locks: a run of (job, periode) holds a PostgreSQL advisory lock for its whole duration
 * (on a dedicated connection: the lock dies with the process), and a job_run row records its state and
 * checkpoint. A second concurrent run is refused; a run killed at any point leaves its row 'en_cours' with the
 * last committed checkpoint, and the next run of the same command resumes from there.
 */
import { hostname } from 'node:os';
import type { Knex } from 'knex';
import type { Db } from '../lib/db.ts';
import { UserError } from '../lib/errors.ts';
import { messageSansSql } from '../lib/erreurs-environnement.ts';

export interface JobRun {
  job: string;
  periode: string;
  /** true when a previous run of this (job, periode) was interrupted and this one resumes it */
  reprise: boolean;
  tentatives: number;
  checkpoint: Record<string, unknown> | null;
  /** saves progress; call inside the transaction that commits the work it describes */
  avancer(trx: Knex | Knex.Transaction, checkpoint: Record<string, unknown>, compteurs?: Record<string, unknown>): Promise<void>;
  terminer(compteurs?: Record<string, unknown>): Promise<void>;
  echouer(erreur: unknown): Promise<void>;
  /** releases the lock (always call, in a finally) */
  liberer(): Promise<void>;
}

type LockConn = { query: (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }> };

/** PGlite: advisory locks of one session never conflict, so the locks held in this process are kept here. */
const locauxPglite = new Set<string>();
const instances = new WeakMap<object, number>();
let derniereInstance = 0;
/** the data folder of a PGlite database, or an id of its in-memory instance */
export function idPglite(db: Db): string {
  const dir = db.pglite!.dataDir;
  if (dir && !dir.startsWith('memory://')) return dir;
  if (!instances.has(db.pglite!)) instances.set(db.pglite!, ++derniereInstance);
  return `memoire-${instances.get(db.pglite!)}`;
}

/** Takes the advisory lock of (job, periode) or throws a clear refusal. */
export async function verrouiller(db: Db, cle: string): Promise<() => Promise<void>> {
  const sql = 'select pg_try_advisory_lock(hashtextextended($1, 0)) as ok';
  const unlock = 'select pg_advisory_unlock(hashtextextended($1, 0))';
  if (db.backend === 'pglite') {
    const local = `${idPglite(db)}|${cle}`;
    if (locauxPglite.has(local)) throw new UserError(`${cle} est déjà en cours d'exécution dans ce processus`);
    locauxPglite.add(local);
    return async () => {
      locauxPglite.delete(local);
    };
  }
  // a dedicated connection, held for the whole run: the lock is released when its socket dies
  const client = db.knex.client as { acquireConnection(): Promise<LockConn>; releaseConnection(c: LockConn): Promise<void> };
  const conn = await client.acquireConnection();
  const r = await conn.query(sql, [cle]);
  if (!r.rows[0].ok) {
    await client.releaseConnection(conn);
    throw new UserError(`${cle} est déjà en cours d'exécution dans un autre processus (verrou consultatif PostgreSQL tenu)`);
  }
  return async () => {
    try {
      await conn.query(unlock, [cle]);
    } finally {
      await client.releaseConnection(conn);
    }
  };
}

/** The lock of (job, periode) alone, without a ledger row (`campagne run --dry-run`). */
export function verrouillerJob(db: Db, job: string, periode: string): Promise<() => Promise<void>> {
  return verrouiller(db, `atmp:${job}:${periode}`);
}

export interface DemarrerOptions {
  /** start again from scratch even if a finished run exists */
  recommencer?: boolean;
}

/**
 * Claims (job, periode). Returns null when that run is already finished (nothing to do), a JobRun otherwise.
 * Throws a UserError when another process runs it now.
 */
export async function demarrerJob(db: Db, job: string, periode: string, opts: DemarrerOptions = {}): Promise<JobRun | null> {
  const cle = `atmp:${job}:${periode}`;
  const liberer = await verrouiller(db, cle);
  try {
    const { knex } = db;
    const existant = await knex('job_run').where({ job, periode }).first();
    if (existant?.statut === 'termine' && !opts.recommencer) {
      await liberer();
      return null;
    }
    const reprise = !!existant && existant.statut !== 'termine' && !opts.recommencer;
    const ligne = {
      job, periode, statut: 'en_cours', demarre_le: knex.fn.now(), termine_le: null, pid: process.pid, hote: hostname(), erreur: null,
      tentatives: (existant?.tentatives ?? 0) + 1,
      checkpoint: reprise ? existant.checkpoint : null,
    };
    await knex('job_run').insert({ ...ligne, checkpoint: ligne.checkpoint === null ? null : JSON.stringify(ligne.checkpoint) }).onConflict(['job', 'periode']).merge();
    const run: JobRun = {
      job, periode, reprise, tentatives: ligne.tentatives,
      checkpoint: reprise ? (existant.checkpoint as Record<string, unknown> | null) : null,
      avancer: async (trx, checkpoint, compteurs) => {
        await trx('job_run').where({ job, periode }).update({ checkpoint: JSON.stringify(checkpoint), ...(compteurs ? { compteurs: JSON.stringify(compteurs) } : {}) });
        run.checkpoint = checkpoint;
      },
      terminer: async (compteurs) => {
        await knex('job_run').where({ job, periode }).update({ statut: 'termine', termine_le: knex.fn.now(), ...(compteurs ? { compteurs: JSON.stringify(compteurs) } : {}) });
      },
      echouer: async (erreur) => {
        await knex('job_run').where({ job, periode }).update({ statut: 'echec', termine_le: knex.fn.now(), erreur: (erreur instanceof UserError ? erreur.message : messageSansSql(erreur)).slice(0, 2000) });
      },
      liberer,
    };
    return run;
  } catch (e) {
    await liberer();
    throw e;
  }
}
