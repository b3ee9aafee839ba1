/**
 * A throw-away database for a benchmark: its own database on the PostgreSQL server of DATABASE_URL, or an
 * embedded PGlite in a temporary data folder; `fin()` removes it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDb, type Db } from '../lib/db.ts';
import { loadConfig } from '../lib/config.ts';

export async function baseJetable(prefixe = 'atmp-bench-'): Promise<{ db: Db; fin: () => Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const dir = mkdtempSync(join(tmpdir(), prefixe));
    const db = await openDb({ config: { ...loadConfig(), databaseUrl: undefined, dataDir: join(dir, 'db') } });
    return { db, fin: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
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
    fin: async () => {
      await db.close();
      await admin.query(`drop database if exists ${nom} with (force)`);
      await admin.end();
    },
  };
}
