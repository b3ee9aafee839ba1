/**
 * A throw-away database for a benchmark: its own database on the PostgreSQL server of DATABASE_URL, or an
 * embedded PGlite in a temporary data folder (in memory with `memoire`); `fin()` closes and removes it.
 * `nom` says which, for the bench's log.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDb, type Db } from '../lib/db.ts';
import { loadConfig } from '../lib/config.ts';

export async function baseJetable(prefixe = 'atmp-bench-', opts: { memoire?: boolean } = {}): Promise<{ db: Db; nom: string; url?: string; fin: () => Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base && opts.memoire) {
    const db = await openDb({ memory: true, config: { ...loadConfig(), databaseUrl: undefined } });
    return { db, nom: 'PGlite en mémoire', fin: () => db.close() };
  }
  if (!base) {
    const dir = mkdtempSync(join(tmpdir(), prefixe));
    const db = await openDb({ config: { ...loadConfig(), databaseUrl: undefined, dataDir: join(dir, 'db') } });
    return { db, nom: `PGlite (${dir})`, fin: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const nom = `atmp_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${nom}`);
  const url = new URL(base);
  url.pathname = `/${nom}`;
  const db = await openDb({ config: { ...loadConfig(), databaseUrl: url.toString() } });
  return {
    db,
    nom: `PostgreSQL (base jetable ${nom})`,
    url: url.toString(),
    fin: async () => {
      await db.close();
      await admin.query(`drop database if exists ${nom} with (force)`);
      await admin.end();
    },
  };
}
