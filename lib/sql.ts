/**
 * Runs the plain SQL files of sql/ (one file per operation, parameters bound by name: `:annee`, `:sirens`).
 * Arrays are bound as one PostgreSQL array parameter, never expanded into a list.
 */
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';

const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'sql');
const cache = new Map<string, string>();

export function sqlText(name: string): string {
  let t = cache.get(name);
  if (t === undefined) {
    t = readFileSync(join(SQL_DIR, name), 'utf8');
    cache.set(name, t);
  }
  return t;
}

/** PostgreSQL array literal of strings: {"a","b"} */
export const pgArray = (xs: readonly string[]) => `{${xs.map((x) => `"${x.replace(/(["\\])/g, '\\$1')}"`).join(',')}}`;

export type SqlParams = Record<string, string | number | boolean | null | readonly string[]>;

/** Rewrites `:name` placeholders (not `::casts`) to knex positional bindings. */
export function compile(sql: string, params: SqlParams): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const text = sql
    .replace(/--[^\n]*/g, '')
    .replace(/(?<!:):([a-z_][a-z0-9_]*)/gi, (_, name: string) => {
      if (!(name in params)) throw new Error(`paramètre SQL :${name} non fourni`);
      const v = params[name];
      values.push(Array.isArray(v) ? pgArray(v) : v);
      return '?';
    });
  return { text, values };
}

export async function runSql<T = Record<string, unknown>>(conn: Knex | Knex.Transaction, name: string, params: SqlParams = {}): Promise<T[]> {
  const { text, values } = compile(sqlText(name), params);
  const r = await conn.raw(text, values as Knex.RawBinding[]);
  return (r.rows ?? r) as T[];
}

/**
 * Runs a multi-statement SQL file with named parameters, statement by statement (statements end with `;` at the
 * end of a line). Use inside a transaction for all-or-nothing.
 */
export async function runSqlScript(conn: Knex | Knex.Transaction, name: string, params: SqlParams = {}): Promise<void> {
  const statements = sqlText(name)
    .replace(/--[^\n]*/g, '')
    .split(/;\s*(?:\n|$)/)
    .filter((s) => s.trim());
  for (const st of statements) {
    const { text, values } = compile(st, params);
    await conn.raw(text, values as Knex.RawBinding[]);
  }
}
