/** Synthetic consolidated facts generated directly in the database (sql/bench/generer-region.sql). */
import type { Knex } from 'knex';
import { runSqlScript } from '../../lib/sql.ts';

export const CODES_GENERES = ['27.1ZF', '52.1BC', '45.1AA', '28.5DA'];

export async function genererRegion(knex: Knex, opts: { entreprises: number; annee: number; premier?: number }) {
  await knex.transaction((trx) =>
    runSqlScript(trx, 'bench/generer-region.sql', { entreprises: opts.entreprises, premier: opts.premier ?? 100000000, annee: opts.annee, codes: CODES_GENERES }),
  );
}
