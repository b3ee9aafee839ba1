/**
 * One transaction on the raw connection of either backend, with bulk COPY: pg-copy-streams on PostgreSQL,
 * `COPY … FROM '/dev/blob'` with the blob option on PGlite (docs/architecture.md). Rows are joined into
 * ~1000-row chunks before each write (per-row writes cost 5×).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Db } from './db.ts';

export type Row = Record<string, any>;

export interface Connexion {
  query(sql: string, params?: unknown[]): Promise<Row[]>;
  /** COPY rows (text format; undefined = NULL) into table(columns) */
  copy(table: string, columns: string[], rows: (string | undefined)[][]): Promise<void>;
}

/** COPY text format: escape backslash, tab, CR, LF; NULL is \N. */
export function ligneCopy(row: (string | undefined)[]): string {
  let s = '';
  for (let i = 0; i < row.length; i++) {
    if (i) s += '\t';
    const v = row[i];
    s += v === undefined ? '\\N' : /[\\\t\r\n]/.test(v) ? v.replace(/[\\\t\r\n]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : '\\n')) : v;
  }
  return s + '\n';
}

function* chunks(rows: (string | undefined)[][], size = 1000): Generator<string> {
  for (let i = 0; i < rows.length; i += size) {
    let s = '';
    for (const r of rows.slice(i, i + size)) s += ligneCopy(r);
    yield s;
  }
}

type Requetable = { query<R>(sql: string, params?: unknown[], opts?: { blob?: Blob }): Promise<{ rows: R[] }> };

/** A Connexion on a connection whose transaction someone else manages (a PGlite, its transaction, or a pg client). */
export function connexionSur(backend: Db['backend'], conn: unknown): Connexion {
  if (backend === 'pglite') {
    const tx = conn as Requetable;
    return {
      query: async (sql, params) => (await tx.query<Row>(sql, params)).rows,
      copy: async (table, columns, rows) => {
        if (!rows.length) return;
        const blob = new Blob([...chunks(rows)]);
        await tx.query(`copy ${table} (${columns.join(', ')}) from '/dev/blob'`, [], { blob });
      },
    };
  }
  const client = conn as pg.Client;
  return {
    query: async (sql, params) => (await client.query(sql, params as unknown[])).rows as Row[],
    copy: async (table, columns, rows) => {
      if (!rows.length) return;
      await pipeline(Readable.from(chunks(rows)), client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`)));
    },
  };
}

export async function withConnexion<T>(db: Db, fn: (c: Connexion) => Promise<T>): Promise<T> {
  if (db.backend === 'pglite') return db.pglite!.transaction(async (tx) => fn(connexionSur('pglite', tx)));
  const client = (await db.knex.client.acquireConnection()) as pg.Client;
  try {
    await client.query('begin');
    const result = await fn(connexionSur('postgres', client));
    await client.query('commit');
    return result;
  } catch (e) {
    await client.query('rollback').catch(() => {});
    throw e;
  } finally {
    await db.knex.client.releaseConnection(client);
  }
}
