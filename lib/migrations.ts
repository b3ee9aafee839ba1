/** Schema migrations: plain SQL files sql/migrations/NNNN_name.sql, applied in order, each in one transaction. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'sql', 'migrations');

export function migrationFiles(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort();
}

/** Applies the pending migrations; returns the names applied. Concurrent callers serialise on an advisory lock. */
export async function migrate(db: Db): Promise<string[]> {
  const { knex } = db;
  const applied: string[] = [];
  await knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', ['atmp-migrations']);
    await trx.raw(
      'create table if not exists schema_migration (nom text primary key, applique_le timestamptz not null default now())',
    );
    const done = new Set((await trx('schema_migration').select('nom')).map((r: { nom: string }) => r.nom));
    for (const file of migrationFiles()) {
      if (done.has(file)) continue;
      const sql = readFileSync(join(MIGRATIONS_DIR, file), 'utf8');
      if (db.backend === 'pglite') await db.pglite!.exec(sql);
      else await trx.raw(sql);
      await trx('schema_migration').insert({ nom: file });
      applied.push(file);
    }
  });
  return applied;
}
