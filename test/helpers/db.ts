/**
 * A fresh database per test file, on the backend chosen by the environment: a throw-away database on the
 * PostgreSQL server of DATABASE_URL, else an in-memory PGlite.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDb, type Db } from '../../lib/db.ts';
import { loadConfig } from '../../lib/config.ts';

export const backend = process.env.DATABASE_URL ? 'postgres' : 'pglite';

export interface TestDb extends Db {
  /** DATABASE_URL of this test database (postgres only) */
  url?: string;
  drop(): Promise<void>;
}

export async function testDb(): Promise<TestDb> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const db = await openDb({ memory: true, config: { ...loadConfig(), databaseUrl: undefined } });
    return Object.assign(db, { drop: () => db.close() });
  }
  const name = `atmp_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = await openDb({ config: { ...loadConfig(), databaseUrl: url.toString() } });
  return Object.assign(db, {
    url: url.toString(),
    drop: async () => {
      await db.close();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  });
}
