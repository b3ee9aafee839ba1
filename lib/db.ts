/**
 * One schema, two backends: knex + pg on a real PostgreSQL when DATABASE_URL is set, otherwise an embedded
 * PGlite persisted in the data folder. Every command that needs the database goes through openDb(), which
 * applies the pending migrations of sql/migrations and loads the shipped barèmes before returning.
 */
import { accessSync, constants, mkdirSync, openSync, writeSync, closeSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import knexLib, { type Knex } from 'knex';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import ClientPGLite from 'knex-pglite';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { erreurConnexion } from './erreurs-environnement.ts';
import { migrate } from './migrations.ts';
import { UserError } from './errors.ts';

export type Backend = 'postgres' | 'pglite';

export interface Db {
  knex: Knex;
  backend: Backend;
  /** the embedded instance, when backend = pglite */
  pglite?: PGlite;
  close(): Promise<void>;
}

const OID = { INT8: 20, NUMERIC: 1700, DATE: 1082 } as const;

// Same value types on both backends: numeric as string (decimal.js downstream, never floats),
// bigint as number (counts and ids stay far below 2^53), date as 'YYYY-MM-DD' (no time zone shift).
pg.types.setTypeParser(OID.INT8, (v: string) => Number(v));
pg.types.setTypeParser(OID.NUMERIC, (v: string) => v);
pg.types.setTypeParser(OID.DATE, (v: string) => v);
const pgliteParsers = {
  [OID.INT8]: (v: string) => Number(v),
  [OID.NUMERIC]: (v: string) => v,
  [OID.DATE]: (v: string) => v,
};

export interface OpenOptions {
  config?: Config;
  /** in-memory PGlite (tests); ignored when a DATABASE_URL is configured */
  memory?: boolean;
  /** skip migrations and reference loading (operators' tools) */
  skipSetup?: boolean;
  /** knex pool size on PostgreSQL */
  poolMax?: number;
}

export async function openDb(opts: OpenOptions = {}): Promise<Db> {
  const config = opts.config ?? loadConfig();
  const db = config.databaseUrl ? openPostgres(config.databaseUrl, opts.poolMax) : await openPglite(config, opts.memory);
  try {
    if (config.databaseUrl) await db.knex.raw('select 1');
    if (!opts.skipSetup) await setupDb(db);
  } catch (e) {
    await db.close().catch(() => {});
    throw (config.databaseUrl && erreurConnexion(e, config.databaseUrl)) || e;
  }
  return db;
}

/** Applies the migrations and (re)loads the shipped barèmes when they changed. */
export async function setupDb(db: Db): Promise<void> {
  await migrate(db);
  const { ensureReferenceLoaded } = await import('../pipelines/bareme/reference.ts');
  await ensureReferenceLoaded(db);
}

function openPostgres(url: string, poolMax = 6): Db {
  const knex = knexLib({
    client: 'pg', connection: url, pool: { min: 0, max: poolMax },
    // a failed connection is reported once, as a configuration error (openDb), not as knex's stack trace
    log: { warn: (m: string) => { if (!/^Acquire connection error/.test(String(m))) process.stderr.write(`knex : ${m}\n`); } },
  });
  return { knex, backend: 'postgres', close: () => knex.destroy() };
}

async function openPglite(config: Config, memory = false): Promise<Db> {
  let release = () => {};
  let pglite: PGlite;
  if (memory) {
    pglite = new PGlite({ parsers: pgliteParsers });
  } else {
    try {
      mkdirSync(config.dataDir, { recursive: true });
      accessSync(config.dataDir, constants.W_OK);
    } catch (e) {
      throw new ConfigError(`configuration : dossier de la base embarquée ATMP_DATA_DIR=${config.dataDir} inutilisable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    release = lockDataDir(config.dataDir);
    pglite = new PGlite(config.dataDir, { parsers: pgliteParsers });
  }
  try {
    await pglite.waitReady;
  } catch (e) {
    release();
    throw new ConfigError(`configuration : impossible d'ouvrir la base embarquée de ${config.dataDir} (${(e as Error).message})`);
  }
  const knex = knexLib({ client: ClientPGLite as unknown as typeof knexLib.Client, connection: { pglite } as never });
  return {
    knex,
    backend: 'pglite',
    pglite,
    close: async () => {
      await knex.destroy();
      if (!pglite.closed) await pglite.close();
      release();
    },
  };
}

/**
 * PGlite is single-process: a second process opening the same data folder would corrupt it. A lock file
 * holding the owner's pid refuses a second opener with a clear message; a stale lock (dead pid) is taken over.
 */
function lockDataDir(dir: string): () => void {
  const lockPath = join(dir, '..', `${dir.split('/').pop()}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(lockPath, 'utf8').trim());
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new UserError(
          `la base embarquée ${dir} est utilisée par le processus ${pid} (PGlite : un seul processus à la fois) ; attendez qu'il se termine`,
        );
      }
      unlinkSync(lockPath); // stale: its owner died
    }
  }
  throw new UserError(`impossible de verrouiller la base embarquée ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
